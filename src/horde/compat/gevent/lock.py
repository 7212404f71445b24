"""``gevent.lock``: semaphores and locks that make only the waiting user wait."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

from greenlet import getcurrent

from horde.runtime import await_

__all__ = ["BoundedSemaphore", "DummySemaphore", "RLock", "Semaphore"]


class _Held:
    """A lock's ``with`` block: acquire on entry, release on exit."""

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class Semaphore(_Held):
    """A counter of free slots; ``acquire`` waits (cooperatively) for one."""

    def __init__(self, value: int = 1) -> None:
        self._semaphore = asyncio.Semaphore(value)

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take a slot; False when ``blocking`` is off or ``timeout`` ran out."""
        if not self._semaphore.locked():
            # A free slot is taken without waiting, so anywhere (an event listener too):
            # asyncio's acquire returns at once then, without suspending.
            try:
                self._semaphore.acquire().send(None)
            except StopIteration:
                return True
            raise AssertionError("acquiring a free slot waited")
        if not blocking:
            return False
        try:
            await_(asyncio.wait_for(self._semaphore.acquire(), timeout))
        except TimeoutError:
            return False
        return True

    def release(self) -> None:
        """Give a slot back."""
        self._semaphore.release()

    def locked(self) -> bool:
        """Whether no slot is free."""
        return self._semaphore.locked()

    def ready(self) -> bool:
        """Whether a slot is free (``acquire`` would not wait)."""
        return not self._semaphore.locked()

    @property
    def counter(self) -> int:
        """How many slots are free."""
        return self._semaphore._value  # asyncio keeps the count there

    def wait(self, timeout: float | None = None) -> int:
        """Wait (cooperatively) until a slot is free, without taking it; how many are
        free then (0 when ``timeout`` ran out), as gevent's.

        Locust's ``semaphore_wait.py`` holds its users this way until all have started.
        """
        if not self.acquire(timeout=timeout):
            return 0
        self.release()  # taken and given back: the next waiter wakes in its turn
        return max(self.counter, 1)  # (asyncio may have handed the slot on already)


class BoundedSemaphore(Semaphore):
    """A semaphore that may not be released more often than acquired.

    Raises:
        ValueError: From ``release``, past the initial value.
    """

    def __init__(self, value: int = 1) -> None:
        self._semaphore = asyncio.BoundedSemaphore(value)


class DummySemaphore(_Held):
    """A semaphore that never waits: code written for one runs unlimited with this."""

    def __init__(self, value: int | None = None) -> None:
        pass

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Always True at once."""
        return True

    def release(self) -> None:
        """Nothing to give back."""

    def locked(self) -> bool:
        """Never."""
        return False

    def ready(self) -> bool:
        """Always."""
        return True

    @property
    def counter(self) -> int:
        return 1

    def wait(self, timeout: float | None = None) -> int:
        """Returns at once."""
        return 1


def _holder() -> object:
    """Who takes a lock: the user or spawned function, known by its task (a user's
    greenlet is lent from a pool for one call at a time); outside a run, the greenlet."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running loop
        task = None
    return task if task is not None else getcurrent()


class RLock(_Held):
    """A lock its holder may take again (once released as often as taken, it is free)."""

    def __init__(self) -> None:
        self._slot = Semaphore(1)
        self._owner: object | None = None
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take the lock, again if the caller holds it; False when ``blocking`` is off
        or ``timeout`` ran out."""
        me = _holder()
        if self._owner is me:
            self._count += 1
            return True
        if not self._slot.acquire(blocking, timeout):
            return False
        self._owner, self._count = me, 1
        return True

    def release(self) -> None:
        """Release one hold.

        Raises:
            RuntimeError: The caller does not hold the lock.
        """
        if self._owner is not _holder():
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            self._owner = None
            self._slot.release()

    def locked(self) -> bool:
        """Whether someone holds it."""
        return self._owner is not None
