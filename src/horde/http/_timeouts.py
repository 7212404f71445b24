"""Read timeouts for every connection of a loop, from a single periodic callback.

A timer per request is the obvious design and a slow one: uvloop's ``call_later`` plus
``cancel`` costs about 7 us, a quarter of a whole loopback request. Instead each loop has
one :class:`TimeoutWatcher`; a request only records its deadline (a float) and joins a
set. The watcher wakes every quarter of the shortest timeout in use (between 5 ms and
1 s, and not at all while nothing is in flight) and expires what is overdue, so a
timeout fires at most a quarter of its length late.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Protocol

__all__ = ["TimeoutWatcher", "Watched", "watcher_for"]

_MIN_INTERVAL = 0.005
_MAX_INTERVAL = 1.0


class Watched(Protocol):
    """What the watcher needs from a connection."""

    deadline: float
    """Loop time after which the request in flight times out."""
    timeout: float
    """The read timeout, which sets how often the watcher must look."""

    def expire(self, now: float) -> None:
        """Called once ``deadline`` has passed; the connection decides what it means."""
        ...


class TimeoutWatcher:
    """Expires overdue requests of one event loop."""

    __slots__ = ("__weakref__", "_handle", "_interval", "_loop", "_watched")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        # Weakly: the watcher is cached per loop, and must not keep a closed loop alive.
        self._loop = weakref.ref(loop)
        self._watched: set[Watched] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._interval = _MAX_INTERVAL

    def watch(self, item: Watched) -> None:
        """Start watching ``item`` (its ``deadline`` and ``timeout`` are set)."""
        self._watched.add(item)
        if self._handle is not None and item.timeout >= self._interval * 4:
            # The usual case, once per request: the watcher already looks often enough
            # (the interval only shrinks here, and is clamped, so no need to compute it).
            return
        interval = min(max(item.timeout / 4, _MIN_INTERVAL), _MAX_INTERVAL)
        loop = self._loop()
        if loop is None:
            return  # the loop is gone: nothing will be read on it any more
        if self._handle is None:
            self._interval = interval
            self._handle = loop.call_later(interval, self._tick)
        elif interval < self._interval:
            # A shorter timeout than any in use: look sooner from now on.
            self._handle.cancel()
            self._interval = interval
            self._handle = loop.call_later(interval, self._tick)

    def unwatch(self, item: Watched) -> None:
        """Stop watching ``item`` (its response is complete, or it failed)."""
        self._watched.discard(item)

    def _tick(self) -> None:
        loop = self._loop()
        if loop is None:
            return
        now = loop.time()
        shortest = _MAX_INTERVAL * 4
        # A copy: expiring a connection unwatches it.
        for item in list(self._watched):
            if item.deadline <= now:
                item.expire(now)
            shortest = min(shortest, item.timeout)
        if not self._watched:
            self._handle = None
            return
        self._interval = min(max(shortest / 4, _MIN_INTERVAL), _MAX_INTERVAL)
        self._handle = loop.call_later(self._interval, self._tick)

    def __len__(self) -> int:
        return len(self._watched)


_WATCHERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, TimeoutWatcher] = (
    weakref.WeakKeyDictionary()
)


def watcher_for(loop: asyncio.AbstractEventLoop) -> TimeoutWatcher:
    """The loop's watcher, created on first use (a cache, not configuration)."""
    watcher = _WATCHERS.get(loop)
    if watcher is None:
        watcher = _WATCHERS[loop] = TimeoutWatcher(loop)
    return watcher
