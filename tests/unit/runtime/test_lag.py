import asyncio
import logging
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
    assert monitor.take_max_lag() >= 0.3
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
    assert not caplog.records
