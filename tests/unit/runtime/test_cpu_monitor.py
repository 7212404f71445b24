"""The CPU monitor: percent of a core per sample, peaks, and sustained saturation."""

from __future__ import annotations

from horde.runtime import CpuMonitor, peak_resident_memory, resident_memory


def _monitor(cpu_per_second: list[float], sustained: int = 3, memory_peak: int = 0) -> CpuMonitor:
    wall = iter(range(len(cpu_per_second) + 1))
    used = [0.0]
    for share in cpu_per_second:
        used.append(used[-1] + share)
    cpu = iter(used)
    return CpuMonitor(
        sustained=sustained,
        clock=lambda: float(next(wall)),
        cpu_clock=lambda: next(cpu),
        memory=lambda: 123,
        memory_peak=lambda: memory_peak,
    )


def test_each_sample_is_the_share_of_a_core_since_the_last():
    monitor = _monitor([0.5, 1.0, 1.9])
    assert [round(monitor.sample()) for _ in range(3)] == [50, 100, 190]
    assert monitor.peak == 190.0
    assert monitor.memory == monitor.peak_memory == 123


def test_saturation_needs_consecutive_seconds_over_the_threshold():
    monitor = _monitor([0.95, 0.95, 0.2, 0.95, 0.95])
    for _ in range(5):
        monitor.sample()
    assert monitor.seconds_over == 4
    assert monitor.saturated is False
    monitor = _monitor([0.95, 0.95, 0.95, 0.1])
    for _ in range(4):
        monitor.sample()
    assert monitor.saturated is True  # it stays true: the run had a saturated stretch


def test_a_late_sample_counts_every_second_it_covers():
    # The loop was blocked for 8 s: one sample covers them, idle.
    ticks, used = iter([0.0, 1.0, 9.0, 10.0]), iter([0.0, 0.5, 0.5, 0.6])
    monitor = CpuMonitor(clock=lambda: next(ticks), cpu_clock=lambda: next(used))
    for _ in range(3):
        monitor.sample()
    assert (monitor.samples, monitor.seconds_over) == (10, 0)
    # Busy through a late sample: the seconds over the threshold make a streak.
    ticks, used = iter([0.0, 3.0]), iter([0.0, 2.9])
    busy = CpuMonitor(clock=lambda: next(ticks), cpu_clock=lambda: next(used))
    assert round(busy.sample()) == 97
    assert (busy.samples, busy.seconds_over, busy.saturated) == (3, 3, True)


def test_the_summary_holds_the_figures():
    monitor = _monitor([0.3, 0.92])
    monitor.sample()
    monitor.sample()
    assert monitor.to_dict() == {
        "cpu_threshold_percent": 90.0,
        "cpu_peak_percent": 92.0,
        "cpu_seconds_over_threshold": 1,
        "cpu_samples": 2,
        "saturated": False,
        "memory_peak_bytes": 123,
    }


def test_the_memory_peak_is_the_kernel_s_when_samples_miss_it():
    # 123 bytes at each sample, 5,000 held for a moment between two of them.
    monitor = _monitor([0.1, 0.1], memory_peak=5000)
    monitor.sample()
    assert (monitor.memory, monitor.peak_memory) == (123, 5000)
    # A worker's, from its heartbeat, likewise.
    remote = CpuMonitor()
    remote.record(10.0, 200, 7000)
    remote.record(10.0, 300)
    assert (remote.memory, remote.to_dict()["memory_peak_bytes"]) == (300, 7000)


def test_resident_memory_is_this_process_size():
    # The kernel's counters are per-CPU caches, a few hundred kB apart at times.
    assert 5 * 2**20 < resident_memory() <= peak_resident_memory() + 2**20 < 2**34
