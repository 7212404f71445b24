"""``gevent.pool``: groups of spawned functions, waited for or stopped together.

Example:
    >>> group = Group()  # doctest: +SKIP
    >>> for url in ("/a", "/b"):  # doctest: +SKIP
    ...     group.spawn(self.client.get, url)
    >>> group.join()  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from horde.compat.gevent import Greenlet, GreenletExit, iwait, joinall, killall, spawn
from horde.compat.gevent.lock import Semaphore

__all__ = ["Group", "Pool"]


class Group:
    """The spawned functions it started (or was given) and that have not finished."""

    def __init__(self, *greenlets: Greenlet) -> None:
        self._members: set[Greenlet] = set()
        for greenlet in greenlets:
            self.add(greenlet)

    def spawn(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Greenlet:
        """Run ``function(*args, **kwargs)`` in the background, in this group."""
        greenlet = spawn(function, *args, **kwargs)
        self.add(greenlet)
        return greenlet

    def map(self, function: Callable[[Any], Any], iterable: Iterable[Any]) -> list[Any]:
        """``function(item)`` for each item, run at once in the group; their results, in
        order.

        Raises:
            BaseException: What the first failed call raised.
        """
        return list(self.imap(function, iterable))

    def imap(self, function: Callable[[Any], Any], iterable: Iterable[Any]) -> Iterator[Any]:
        """Like :meth:`map`, each result as soon as it and those before it are there."""
        for greenlet in [self.spawn(function, item) for item in iterable]:
            yield greenlet.get()

    def imap_unordered(
        self, function: Callable[[Any], Any], iterable: Iterable[Any]
    ) -> Iterator[Any]:
        """Like :meth:`map`, each result as soon as it is there, in no set order."""
        for greenlet in iwait([self.spawn(function, item) for item in iterable]):
            yield greenlet.get()

    def apply(
        self,
        function: Callable[..., Any],
        args: Iterable[Any] | None = None,
        kwds: dict[str, Any] | None = None,
    ) -> Any:
        """``function(*args, **kwds)`` run in the group; its result, once there.

        Raises:
            BaseException: What the call raised.
        """
        return self.spawn(function, *(args or ()), **(kwds or {})).get()

    def apply_async(
        self,
        function: Callable[..., Any],
        args: Iterable[Any] | None = None,
        kwds: dict[str, Any] | None = None,
        callback: Callable[[Any], Any] | None = None,
    ) -> Greenlet:
        """Start ``function(*args, **kwds)`` in the group; ``callback(result)`` runs once
        it returned."""
        return _calling_back(self.spawn(function, *(args or ()), **(kwds or {})), callback)

    def map_async(
        self,
        function: Callable[[Any], Any],
        iterable: Iterable[Any],
        callback: Callable[[list[Any]], Any] | None = None,
    ) -> Greenlet:
        """:meth:`map` in the background: the greenlet's value is the list of results,
        given to ``callback`` too. (It runs outside the group: in a full pool it would
        hold a slot its own calls wait for.)"""
        return _calling_back(spawn(self.map, function, iterable), callback)

    def add(self, greenlet: Greenlet) -> None:
        """Count ``greenlet`` in the group until it finishes."""
        self._members.add(greenlet)

    def discard(self, greenlet: Greenlet) -> None:
        """Stop counting ``greenlet`` in the group (it goes on running)."""
        self._members.discard(greenlet)

    def _running(self) -> list[Greenlet]:
        """The members started and still running; the finished ones leave the group here."""
        self._members = {greenlet for greenlet in self._members if not greenlet.dead}
        return [greenlet for greenlet in self._members if greenlet.started]

    def join(self, timeout: float | None = None, raise_error: bool = False) -> bool:
        """Wait until the group is empty, functions spawned meanwhile included; whether
        it emptied within ``timeout``.

        Raises:
            BaseException: With ``raise_error``, what the first failed function raised.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        waited: list[Greenlet] = []
        while running := self._running():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            joinall(running, left)
            waited += running
        if raise_error:
            for greenlet in waited:
                if greenlet.exception is not None:
                    raise greenlet.exception
        return not self._running()

    def kill(
        self,
        exception: type[BaseException] | BaseException = GreenletExit,
        block: bool = True,
        timeout: float | None = None,
    ) -> None:
        """Stop every function of the group (each sees ``exception`` where it waits)."""
        killall(self._running(), exception, block, timeout)

    def killone(
        self,
        greenlet: Greenlet,
        exception: type[BaseException] | BaseException = GreenletExit,
        block: bool = True,
        timeout: float | None = None,
    ) -> None:
        """Stop one function of the group."""
        if greenlet in self._members:
            greenlet.kill(exception, block, timeout)

    def __len__(self) -> int:
        return len(self._running())

    def __contains__(self, greenlet: object) -> bool:
        return greenlet in self._running()

    def __iter__(self) -> Iterator[Greenlet]:
        return iter(self._running())


class Pool(Group):
    """A group running at most ``size`` functions at once: ``spawn`` and ``add`` wait for
    a free slot.

    Args:
        size: How many may run at once; None for no limit (a plain :class:`Group`).
    """

    def __init__(self, size: int | None = None) -> None:
        if size is not None and size < 1:
            raise ValueError(f"a pool's size must be 1 or more, got {size}")
        self.size = size
        self._slots = Semaphore(size) if size is not None else None
        super().__init__()

    def spawn(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Greenlet:
        """Wait for a free slot, then run ``function(*args, **kwargs)`` in the background."""
        slots = self._slots
        if slots is None:
            return super().spawn(function, *args, **kwargs)
        slots.acquire()
        try:
            greenlet = spawn(function, *args, **kwargs)
        except BaseException:
            slots.release()
            raise
        self._hold(greenlet, slots)
        return greenlet

    def add(self, greenlet: Greenlet) -> None:
        """Count ``greenlet`` in the pool, once a slot is free for it."""
        slots = self._slots
        if slots is None or greenlet in self._members or greenlet.dead:
            super().add(greenlet)
            return
        slots.acquire()
        self._hold(greenlet, slots)

    def _hold(self, greenlet: Greenlet, slots: Semaphore) -> None:
        """Keep a slot for ``greenlet`` until it finishes."""
        if greenlet.dead:
            slots.release()
        else:
            greenlet.rawlink(lambda _: slots.release())
        super().add(greenlet)

    def wait_available(self, timeout: float | None = None) -> int:
        """Wait (cooperatively) until a function could start; how many could then (0
        when ``timeout`` ran out)."""
        if self._slots is not None:
            self._slots.wait(timeout)
        return self.free_count()

    def free_count(self) -> int:
        """How many more could start now (a large number when unlimited)."""
        if self.size is None:
            return 1 << 30
        return max(self.size - len(self), 0)

    def full(self) -> bool:
        """Whether ``spawn`` would wait."""
        return self.free_count() == 0


def _calling_back(greenlet: Greenlet, callback: Callable[[Any], Any] | None) -> Greenlet:
    """``greenlet``, with ``callback(value)`` spawned once it returned (if a callback)."""
    if callback is not None:
        greenlet.link_value(lambda done: callback(done.value))
    return greenlet
