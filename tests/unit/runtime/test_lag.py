import asyncio
import logging
import os
import time

from horde.runtime import LoopLagMonitor, run


def blocking_task():
    time.sleep(0.4)  # the real sleep: blocks the loop


def test_lag_monitor_names_the_code_blocking_the_loop(caplog):
    async def main():
        monitor = LoopLagMonitor(threshold=0.1, interval=0.02)
        monitor.start()
        await asyncio.sleep(0.05)
        blocking_task()
        await asyncio.sleep(0.05)
        monitor.stop()
        return monitor

    with caplog.at_level(logging.WARNING, logger="horde.runtime"):
        monitor = run(main())
    assert monitor.stalls >= 1  # a starved CI machine may add stalls of its own
    assert monitor.figures().max_lag_ms >= 300
    messages = [r.getMessage() for r in caplog.records]
    assert any("blocked" in m and "test_lag.py" in m and "blocking_task" in m for m in messages)


def test_lag_monitor_is_quiet_when_the_loop_is_free(caplog):
    async def main():
        monitor = LoopLagMonitor(threshold=1.0, interval=0.02)
        monitor.start()
        await asyncio.sleep(0.2)
        monitor.stop()
        return monitor

    with caplog.at_level(logging.WARNING, logger="horde.runtime"):
        monitor = run(main())
    assert monitor.stalls == 0
    assert monitor.figures().blocked_s == 0.0
    assert monitor.figures().held_by == ""
    assert monitor.figures().held_s == 0.0
    assert not caplog.records


async def _two_stalls(monitor: LoopLagMonitor) -> LoopLagMonitor:
    """Watch two blocking stalls of the loop, with free turns around them."""
    monitor.start()
    await asyncio.sleep(0.05)
    blocking_task()
    await asyncio.sleep(0.05)
    blocking_task()
    await asyncio.sleep(0.05)
    monitor.stop()
    return monitor


def test_warnings_are_rate_limited_but_every_stall_counts(caplog):
    monitor = LoopLagMonitor(threshold=0.1, interval=0.02, warning_interval=30)
    with caplog.at_level(logging.WARNING, logger="horde.runtime"):
        run(_two_stalls(monitor))
    assert monitor.stalls >= 2
    assert len(caplog.records) == 1
    figures = monitor.figures()
    # Two stalls of 0.4 s add up: the time every user waited, whatever the CPU did.
    # Each counts from when the next tick was due, up to 1.5 intervals (0.03 s) into it.
    assert 0.8 - 2 * 0.03 - 0.01 <= figures.blocked_s <= 1.5
    assert figures.stalls == monitor.stalls
    assert figures.max_lag_ms >= 350


def short_blocking_call():
    time.sleep(0.04)  # a real sleep, too short to be a stall


def test_short_blocking_calls_back_to_back_are_counted_and_named(caplog):
    async def main():
        # No stall threshold in reach: a starved machine's hiccup is not this test's.
        monitor = LoopLagMonitor(threshold=5.0, interval=0.02, warning_interval=0.6)
        monitor.start()
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            short_blocking_call()
            await asyncio.sleep(0)
        monitor.stop()
        return monitor

    with caplog.at_level(logging.WARNING, logger="horde.runtime"):
        monitor = run(main())
    figures = monitor.figures()
    # No single hold reached the stall threshold, yet they add up: the loop was hardly
    # ever free, and the watchdog found it in the user's code nearly every time it looked.
    assert figures.stalls == 0
    assert figures.blocked_s == 0.0
    assert figures.held_share > 0.75
    assert figures.held_s <= figures.watched_s
    assert figures.held_by.endswith("in short_blocking_call")
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings
    for message in warnings:
        assert message.startswith("User code held the event loop for ")
        assert "most often " in message
        assert "short_blocking_call" in message
        assert "await asyncio.to_thread(fn, ...)" in message


def test_holds_that_delay_nobody_are_not_counted(caplog):
    async def main():
        monitor = LoopLagMonitor(threshold=5.0, interval=0.02, warning_interval=0.3)
        crowded = False
        monitor.crowded = lambda: crowded  # a lone user, nothing in flight
        monitor.start()
        deadline = time.monotonic() + 0.8
        while time.monotonic() < deadline:
            short_blocking_call()
            await asyncio.sleep(0)
        alone = monitor.figures()
        crowded = True  # another user came
        deadline = time.monotonic() + 0.8
        while time.monotonic() < deadline:
            short_blocking_call()
            await asyncio.sleep(0)
        monitor.stop()
        return alone, monitor.figures()

    with caplog.at_level(logging.WARNING, logger="horde.runtime"):
        alone, crowded = run(main())
    assert (alone.held_s, alone.held_by) == (0.0, "")
    assert crowded.held_s > 0.4
    assert crowded.held_by.endswith("in short_blocking_call")


def passing_call():
    os.stat(__file__)  # a system call of microseconds: it lets go of the GIL in passing


def test_cheap_calls_of_a_busy_loop_are_not_taken_for_holds():
    # A busy loop lets the watchdog in at its system calls: without a second look, most
    # samples would land on them, however little time they take.
    async def user(turns):
        for _ in range(turns):
            passing_call()
            await asyncio.sleep(0)

    async def main():
        monitor = LoopLagMonitor(interval=0.01)
        monitor.start()
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            await asyncio.gather(*(user(20) for _ in range(500)))
        monitor.stop()
        return monitor

    figures = run(main()).figures()
    assert figures.watched_s >= 1.0
    assert figures.held_share < 0.1, figures


def _frame_from(module: str, filename: str):
    """A function of ``module`` whose code lives in ``filename``, returning its frame."""
    namespace: dict = {"__name__": module}
    exec(
        compile("import sys\ndef here():\n    return sys._getframe()\n", filename, "exec"),
        namespace,
    )
    return namespace["here"]


def test_user_code_holds_the_loop_unless_horde_code_runs_inside_it():
    import sysconfig
    from pathlib import Path

    import horde
    from horde.runtime._lag import user_code_at_work

    horde_here = _frame_from(
        "horde.engine._fake", str(Path(horde.__file__).parent / "engine" / "_fake.py")
    )
    library_here = _frame_from("_fake", str(Path(sysconfig.get_paths()["stdlib"]) / "_fake.py"))
    # horde is known by its modules' names, wherever its files are (a symlinked path).
    elsewhere = _frame_from("horde.engine._fake", "/somewhere/else/_fake.py")

    def task_calling(inner):
        return inner()

    # The task sends a request: horde works, the loop is not held.
    assert user_code_at_work(task_calling(horde_here)) is None
    # The task calls a blocking library: the task's own frame holds the loop.
    holder = user_code_at_work(task_calling(library_here))
    assert holder is not None
    assert holder.f_code is task_calling.__code__
    assert user_code_at_work(task_calling(elsewhere)) is None
    # The script that started everything, at the bottom, is not user code at work.
    bottom = task_calling(library_here)
    while bottom.f_back is not None:
        bottom = bottom.f_back
    assert user_code_at_work(bottom) is None


def test_a_loop_busy_with_its_own_work_is_not_blamed_on_the_script():
    import sys

    from horde.runtime import LOOP_OVERLOADED, describe_frame

    # Only the outermost frame (the script that started everything) is outside libraries
    # when the loop itself is busy; simulate it with a frame whose parents are all library
    # frames by asking about the bottom of this thread's stack.
    frame = sys._getframe()
    while frame.f_back is not None:
        frame = frame.f_back
    assert describe_frame(frame) == LOOP_OVERLOADED


def test_the_figures_hold_still_once_stopped_and_restart_counts_afresh():
    import sys

    before = sys.getswitchinterval()

    async def main():
        monitor = LoopLagMonitor(interval=0.01)
        monitor.start()
        # Shorter GIL turns while it watches, so it can look inside short bursts.
        assert sys.getswitchinterval() <= 0.0005
        await asyncio.sleep(0.05)
        blocking_task()
        await asyncio.sleep(0.05)
        held = monitor.figures().held_s
        monitor.restart()  # a worker's test starts: what came before is no load
        restarted = monitor.figures()
        await asyncio.sleep(0.05)
        monitor.stop()
        return monitor, held, restarted

    monitor, held, restarted = run(main())
    assert held > 0
    assert (restarted.held_s, restarted.held_by, restarted.stalls) == (0.0, "", 0)
    assert restarted.watched_s < 0.01
    assert sys.getswitchinterval() == before
    # The console's caution and the JSON's, made a moment apart, read the same figures.
    first = monitor.figures()
    time.sleep(0.02)
    assert monitor.figures() == first


def test_overlapping_monitors_restore_the_switch_interval_once_the_last_stops():
    import sys

    before = sys.getswitchinterval()

    async def main():
        first, second = LoopLagMonitor(), LoopLagMonitor()
        first.start()
        first.start()  # once is enough
        second.start()
        first.stop()
        assert sys.getswitchinterval() <= 0.0005  # the second still watches
        second.stop()
        second.stop()

    run(main())
    assert sys.getswitchinterval() == before
    LoopLagMonitor().stop()  # never started: nothing to undo
    assert sys.getswitchinterval() == before


def test_a_frame_that_cannot_be_described_does_not_end_the_watchdog():
    def broken(frame):
        raise RuntimeError("a user object that refuses to be read")

    monitor = run(_two_stalls(LoopLagMonitor(threshold=0.1, interval=0.01, describe=broken)))
    assert monitor.stalls >= 2  # still watching after the first failed description
    assert monitor.figures().held_by == "unknown code"
