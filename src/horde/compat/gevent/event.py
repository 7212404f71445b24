"""``gevent.event``: a flag users can wait on."""

from __future__ import annotations

import asyncio
import contextlib

from horde.runtime import await_

__all__ = ["Event"]


class Event:
    """Set once, waited on by many."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        """Wake every waiter."""
        self._event.set()

    def clear(self) -> None:
        """Make waiters wait again."""
        self._event.clear()

    def is_set(self) -> bool:
        """Whether the flag is set."""
        return self._event.is_set()

    isSet = is_set

    def wait(self, timeout: float | None = None) -> bool:
        """Wait (cooperatively) until set; the flag's value afterwards."""
        with contextlib.suppress(TimeoutError):
            await_(asyncio.wait_for(self._event.wait(), timeout))
        return self._event.is_set()
