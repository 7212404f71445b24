"""Run blocking third-party calls off the event loop."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from horde.runtime._bridge import await_

__all__ = ["run_blocking"]

T = TypeVar("T")


def run_blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn`` in a worker thread and wait for it without blocking other users.

    Use it from synchronous user code for libraries that block (database drivers, SDKs).
    In an ``async def`` task, ``await asyncio.to_thread(fn, ...)`` does the same.

    Example:
        >>> # inside a task:  rows = run_blocking(cursor.execute, "SELECT 1")
    """
    loop = asyncio.get_running_loop()
    return await_(loop.run_in_executor(None, functools.partial(fn, *args, **kwargs)))
