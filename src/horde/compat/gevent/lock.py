"""``gevent.lock``: semaphores that make only the waiting user wait."""

from __future__ import annotations

import asyncio
from types import TracebackType

from horde.runtime import await_

__all__ = ["BoundedSemaphore", "RLock", "Semaphore"]


class Semaphore:
    """A counter of free slots; ``acquire`` waits (cooperatively) for one."""

    def __init__(self, value: int = 1) -> None:
        self._semaphore = asyncio.Semaphore(value)

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take a slot; False when ``blocking`` is off or ``timeout`` ran out."""
        if not self._semaphore.locked():
            await_(self._semaphore.acquire())
            return True
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

    def __enter__(self) -> Semaphore:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


BoundedSemaphore = Semaphore
RLock = Semaphore
