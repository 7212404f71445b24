"""The alarm wakes sleepers after their time, a timer per millisecond rather than each."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from horde.runtime import Alarm, alarm_for, run


def test_sleepers_wake_after_their_time_in_order():
    async def main():
        loop = asyncio.get_running_loop()
        alarm = alarm_for(loop)
        woke: list[tuple[str, float]] = []
        began = loop.time()

        async def sleeper(name: str, seconds: float) -> None:
            await alarm.after(seconds)
            woke.append((name, loop.time() - began))

        await asyncio.gather(sleeper("late", 0.06), sleeper("early", 0.02), sleeper("mid", 0.04))
        return woke

    woke = run(main())
    assert [name for name, _ in woke] == ["early", "mid", "late"]
    for (_, elapsed), wanted in zip(woke, (0.02, 0.04, 0.06), strict=True):
        assert elapsed >= wanted - 0.001  # the loop's clock counts whole milliseconds


def test_sleepers_due_in_the_same_millisecond_share_one_timer(monkeypatch):
    timers = []

    async def main():
        loop = asyncio.get_running_loop()
        original = loop.call_at

        def counting(when, callback, *args):
            timers.append(when)
            return original(when, callback, *args)

        monkeypatch.setattr(loop, "call_at", counting, raising=False)
        alarm = Alarm(loop)
        due = loop.time() + 0.0504
        futures = [alarm.after(due - loop.time()) for _ in range(100)]
        await asyncio.gather(*futures)

    try:
        run(main())
    except AttributeError:  # a loop whose methods cannot be replaced
        pytest.skip("cannot count the loop's timers")
    assert len(timers) <= 2  # one, or two if the clock turned a millisecond meanwhile


def test_a_cancelled_sleeper_is_skipped_and_the_others_still_wake():
    async def main():
        alarm = alarm_for(asyncio.get_running_loop())
        cancelled = asyncio.ensure_future(asyncio.wait_for(alarm.after(0.03), 0.005))
        kept = alarm.after(0.03)
        with pytest.raises(TimeoutError):
            await cancelled
        await kept
        return kept.done()

    assert run(main())


def test_an_endless_wait_lasts_until_cancelled():
    async def main():
        endless = alarm_for(asyncio.get_running_loop()).after(float("inf"))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(endless, 0.01)
        return endless.cancelled()

    assert run(main())


def test_one_alarm_per_loop_freed_with_its_loop():
    async def main():
        loop = asyncio.get_running_loop()
        assert alarm_for(loop) is alarm_for(loop)
        return weakref.ref(loop), weakref.ref(alarm_for(loop))

    loop_ref, alarm_ref = run(main())
    gc.collect()
    assert loop_ref() is None
    assert alarm_ref() is None
