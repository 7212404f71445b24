"""The CPU monitor: tells when the generator itself is the bottleneck.

A load generator whose core is full measures its own queueing along with the target's
latency. Sampled once a second from the process's CPU time (every thread), the monitor
keeps the peak and the seconds spent above the threshold, and says when that lasted long
enough to make the numbers suspect.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

__all__ = ["CPU_WARNING_THRESHOLD", "CpuMonitor", "peak_resident_memory", "resident_memory"]

#: Percent of one core above which the generator counts as saturated (Locust's 90%).
CPU_WARNING_THRESHOLD = 90.0

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_memory() -> int:
    """This process's resident memory in bytes (its peak where the current is unknown)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return peak_resident_memory()


def peak_resident_memory() -> int:
    """The most resident memory this process has held, in bytes (the kernel's count)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


class CpuMonitor:
    """Samples the process's CPU use (percent of one core) and memory; call :meth:`sample`.

    Args:
        threshold: Percent of a core at or above which a second counts as saturated.
        sustained: Consecutive saturated seconds before :attr:`saturated` turns true.
        clock: Wall-clock seconds (monotonic).
        cpu_clock: CPU seconds used by the process, every thread included.
        memory: Resident bytes of the process.
        memory_peak: The most resident bytes the process has held (the kernel's count,
            which sees a peak between two samples).

    Example:
        >>> ticks = iter([0.0, 1.0, 2.0])
        >>> used = iter([0.0, 0.95, 1.2])
        >>> monitor = CpuMonitor(clock=lambda: next(ticks), cpu_clock=lambda: next(used),
        ...                      memory=lambda: 1 << 20)
        >>> round(monitor.sample()), round(monitor.sample())
        (95, 25)
        >>> monitor.peak, monitor.seconds_over
        (95.0, 1)
    """

    def __init__(
        self,
        threshold: float = CPU_WARNING_THRESHOLD,
        sustained: int = 3,
        *,
        clock: Callable[[], float] = time.monotonic,
        cpu_clock: Callable[[], float] = time.process_time,
        memory: Callable[[], int] = resident_memory,
        memory_peak: Callable[[], int] = peak_resident_memory,
    ) -> None:
        self.threshold = threshold
        self.sustained = sustained
        self._clock = clock
        self._cpu_clock = cpu_clock
        self._memory = memory
        self._memory_peak = memory_peak
        self._last_wall = clock()
        self._last_cpu = cpu_clock()
        self.current = 0.0
        """CPU percent over the last sample's interval."""
        self.peak = 0.0
        """The highest :attr:`current` so far."""
        self.samples = 0
        """Seconds sampled."""
        self.seconds_over = 0
        """Seconds sampled at or above the threshold."""
        self.memory = 0
        """Resident bytes at the last sample."""
        self.peak_memory = 0
        self.saturated = False
        """Whether ``sustained`` seconds in a row were over the threshold at some point."""
        self._streak = 0

    def start(self) -> None:
        """Measure the next sample from now (what the process did before is not counted)."""
        self._last_wall, self._last_cpu = self._clock(), self._cpu_clock()

    def sample(self) -> float:
        """Measure the CPU percent since the previous sample; return it.

        Returns:
            The percent of one core the process used (over 100 with busy threads).
        """
        wall, cpu = self._clock(), self._cpu_clock()
        elapsed = wall - self._last_wall
        used = cpu - self._last_cpu
        self._last_wall, self._last_cpu = wall, cpu
        percent = 100.0 * used / elapsed if elapsed > 0 else 0.0
        # A sample late by seconds (a blocked loop runs its job only when it is free
        # again) covers each of them: the run's seconds are all counted.
        self.record(percent, self._memory(), self._memory_peak(), seconds=max(1, round(elapsed)))
        return self.current

    def record(self, percent: float, memory: int, memory_peak: int = 0, seconds: int = 1) -> None:
        """Count a sample measured elsewhere (a worker's, from its heartbeat), with the
        process's own peak of resident memory when it is known, as ``seconds`` seconds."""
        self.current = percent
        self.peak = max(self.peak, self.current)
        self.samples += seconds
        self.memory = memory
        self.peak_memory = max(self.peak_memory, self.memory, memory_peak)
        if self.current >= self.threshold:
            self.seconds_over += seconds
            self._streak += seconds
            if self._streak >= self.sustained:
                self.saturated = True
        else:
            self._streak = 0

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready numbers."""
        return {
            "cpu_threshold_percent": self.threshold,
            "cpu_peak_percent": round(self.peak, 1),
            "cpu_seconds_over_threshold": self.seconds_over,
            "cpu_samples": self.samples,
            "saturated": self.saturated,
            "memory_peak_bytes": self.peak_memory,
        }
