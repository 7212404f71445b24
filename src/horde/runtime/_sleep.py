"""Waiting on the loop: the alarm that wakes users after their wait time, and the
cooperative ``time.sleep`` for synchronous user code, installed for a run only."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import weakref
from collections.abc import Iterator
from typing import SupportsIndex

from horde.runtime._bridge import await_, in_bridge

__all__ = ["Alarm", "alarm_for", "cooperative_sleep", "sleep"]

_real_sleep = time.sleep


class Alarm:
    """Wakes one loop's sleepers by the millisecond: a timer per due millisecond, not one
    per sleeper.

    A uvloop timer costs several microseconds to take and cancel, and thousands of users
    pacing their tasks took one each per task. Here a sleeper joins the list of its
    millisecond, and the list's single timer wakes them all. uvloop counts time in
    milliseconds, so its timers were no more precise. A sleeper cancelled meanwhile is
    skipped when its millisecond comes. It holds its loop weakly: a closed loop is freed.

    Example:
        >>> await alarm_for(asyncio.get_running_loop()).after(0.5)  # doctest: +SKIP
    """

    __slots__ = ("__weakref__", "_due", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = weakref.ref(loop)
        self._due: dict[int, list[asyncio.Future[None]]] = {}

    def after(self, seconds: float) -> asyncio.Future[None]:
        """A future resolved once ``seconds`` have passed (rounded up to the millisecond).

        Raises:
            RuntimeError: The loop is gone.
        """
        loop = self._loop()
        if loop is None:
            raise RuntimeError("the alarm's event loop is gone")
        future = loop.create_future()
        if seconds == math.inf:
            return future  # a user parked for good: only cancelling it ends the wait
        tick = math.ceil((loop.time() + seconds) * 1000)
        sleepers = self._due.get(tick)
        if sleepers is None:
            self._due[tick] = [future]
            loop.call_at(tick / 1000, self._ring, tick)
        else:
            sleepers.append(future)
        return future

    def _ring(self, tick: int) -> None:
        for future in self._due.pop(tick):
            if not future.done():
                future.set_result(None)


_ALARMS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Alarm] = weakref.WeakKeyDictionary()


def alarm_for(loop: asyncio.AbstractEventLoop) -> Alarm:
    """The loop's :class:`Alarm`, made on first use (callers keep it: this is a lookup)."""
    alarm = _ALARMS.get(loop)
    if alarm is None:
        alarm = _ALARMS[loop] = Alarm(loop)
    return alarm


def sleep(seconds: float | SupportsIndex) -> None:
    """Sleep without blocking other users when called from user code.

    Anywhere else (another thread, plain code) it is the real ``time.sleep``.
    """
    if in_bridge():
        await_(asyncio.sleep(float(seconds)))
    else:
        _real_sleep(seconds)


@contextlib.contextmanager
def cooperative_sleep() -> Iterator[None]:
    """Make ``time.sleep`` cooperative for the duration of the block.

    Locustfiles written for gevent call ``time.sleep`` inside tasks and expect the other
    users to go on meanwhile. The patch is undone on exit; importing horde never patches.
    """
    previous = time.sleep
    time.sleep = sleep
    try:
        yield
    finally:
        time.sleep = previous
