"""Cooperative ``time.sleep`` for synchronous user code, installed for a run only."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import SupportsIndex

from horde.runtime._bridge import await_, in_bridge

__all__ = ["cooperative_sleep", "loop_sleep", "sleep"]

_real_sleep = time.sleep


async def loop_sleep(loop: asyncio.AbstractEventLoop, seconds: float) -> None:
    """``asyncio.sleep(seconds)`` on a loop the caller already holds.

    ``asyncio.sleep`` looks the running loop up, and CPython checks on every lookup that
    the loop belongs to this process with a ``getpid()`` system call: a user's wait
    between tasks paid for one on every iteration.
    """
    if seconds <= 0:
        await asyncio.sleep(0)  # a bare yield: no lookup
        return
    future = loop.create_future()
    handle = loop.call_later(seconds, _wake, future)
    try:
        await future
    finally:
        handle.cancel()


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


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
