"""The body of a ``stream=True`` response, arriving while user code reads it.

The connection pushes chunks in; the reader hands them out. When more than
``HIGH_WATER`` bytes wait unread, the connection stops reading from the socket until
user code catches up, so an endless stream (server-sent events) costs bounded memory.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

__all__ = ["HIGH_WATER", "StreamReader"]

HIGH_WATER = 1 << 20
"""Unread bytes above which reading from the socket pauses."""


class StreamReader:
    """Chunks of one response body, fed by the connection and read by the response."""

    __slots__ = (
        "_buffered",
        "_chunks",
        "_done",
        "_error",
        "_loop",
        "_pause",
        "_paused",
        "_resume",
        "_waiter",
        "on_abandon",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        pause: Callable[[], None],
        resume: Callable[[], None],
    ) -> None:
        self._loop = loop
        self._pause = pause
        self._resume = resume
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._done = False
        self._paused = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.on_abandon: Callable[[], None] | None = None
        """Called by :meth:`abandon` when the body is dropped unread (closes the connection)."""

    @property
    def done(self) -> bool:
        """Whether the whole body has arrived (or failed)."""
        return self._done

    # Connection side --------------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        """Append a chunk; pause the socket when too much waits unread."""
        self._chunks.append(chunk)
        self._buffered += len(chunk)
        if self._buffered > HIGH_WATER and not self._paused:
            self._paused = True
            self._pause()
        self._wake()

    def finish(self) -> None:
        """The body is complete."""
        self._done = True
        self._wake()

    def fail(self, error: BaseException) -> None:
        """The body broke off; readers get ``error`` after the chunks already received."""
        if not self._done:
            self._error = error
            self._done = True
            self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # Reader side ------------------------------------------------------------------

    async def read_chunk(self) -> bytes:
        """The next chunk, or ``b""`` at the end of the body.

        Raises:
            RequestException: The connection broke or timed out before the end.
        """
        while not self._chunks:
            if self._done:
                if self._error is not None:
                    raise self._error
                return b""
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        chunk = self._chunks.popleft()
        self._buffered -= len(chunk)
        if self._paused and self._buffered <= HIGH_WATER // 2:
            self._paused = False
            self._resume()
        return chunk

    async def read_all(self) -> bytes:
        """The rest of the body."""
        parts = []
        while chunk := await self.read_chunk():
            parts.append(chunk)
        return b"".join(parts)

    def abandon(self) -> None:
        """Drop the unread body; the connection cannot be reused."""
        self._chunks.clear()
        self._buffered = 0
        if not self._done:
            self._done = True
            if self.on_abandon is not None:
                self.on_abandon()
