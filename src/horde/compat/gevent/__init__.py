"""``gevent``, as locustfiles use it, on horde's event loop.

Locustfiles written for Locust call ``gevent.spawn`` (background checkers started from
``init``), ``gevent.sleep``, ``gevent.lock.Semaphore`` and ``gevent.pool.Group``. While
horde runs a locustfile, ``import gevent`` gives this module: spawned functions run in
bridged greenlets driven by asyncio tasks, and waiting yields to the other users as it
does under gevent. Only that common subset exists; anything else is an import or
attribute error.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

from greenlet import getcurrent

from horde.exceptions import UsageError
from horde.runtime import SyncCaller, await_
from horde.runtime import sleep as _cooperative_sleep

__all__ = ["Greenlet", "getcurrent", "joinall", "sleep", "spawn", "spawn_later"]

logger = logging.getLogger("horde.compat.gevent")


def sleep(seconds: float = 0) -> None:
    """Pause the calling user (or spawned function); the others go on."""
    _cooperative_sleep(seconds)


class Greenlet:
    """A function running in the background, started by :func:`spawn`."""

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self._task = task
        task.add_done_callback(self._report)

    @staticmethod
    def _report(task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("A spawned function failed", exc_info=task.exception())

    @property
    def dead(self) -> bool:
        """Whether the function has finished (or was killed)."""
        return self._task.done()

    def ready(self) -> bool:
        """Whether the function has finished."""
        return self._task.done()

    def successful(self) -> bool:
        """Whether it finished without an exception."""
        return self._task.done() and not self._task.cancelled() and self._task.exception() is None

    @property
    def value(self) -> Any:
        """What the function returned (None until then)."""
        return self._task.result() if self.successful() else None

    @property
    def exception(self) -> BaseException | None:
        """What the function raised, if anything."""
        if not self._task.done() or self._task.cancelled():
            return None
        return self._task.exception()

    def kill(self, block: bool = True, timeout: float | None = None) -> None:
        """Stop the function (it sees the cancellation where it waits)."""
        self._task.cancel()
        if block:
            self.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the function to finish (from synchronous user code)."""
        if not self._task.done():
            await_(asyncio.wait({self._task}, timeout=timeout))


def _loop() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise UsageError(
            "gevent.spawn() needs a running test: call it from a task, on_start, or an "
            "event listener such as init or test_start"
        ) from None


def spawn(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Greenlet:
    """Run ``function(*args, **kwargs)`` in the background, cooperatively."""
    call = functools.partial(function, *args, **kwargs)
    return Greenlet(_loop().create_task(SyncCaller().call(call)))


def spawn_later(
    seconds: float, function: Callable[..., Any], *args: Any, **kwargs: Any
) -> Greenlet:
    """Like :func:`spawn`, after ``seconds``."""

    def later() -> Any:
        sleep(seconds)
        return function(*args, **kwargs)

    return spawn(later)


def joinall(greenlets: Iterable[Greenlet], timeout: float | None = None) -> None:
    """Wait for every one of ``greenlets``."""
    tasks = {greenlet._task for greenlet in greenlets if not greenlet.dead}
    if tasks:
        await_(asyncio.wait(tasks, timeout=timeout))
