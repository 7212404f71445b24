"""Cooperative ``time.sleep`` for synchronous user code, installed for a run only."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import SupportsIndex

from horde.runtime._bridge import await_, in_bridge

__all__ = ["cooperative_sleep", "sleep"]

_real_sleep = time.sleep


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
