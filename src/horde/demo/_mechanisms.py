"""The real mechanisms behind the bottleneck profiles.

Nothing here fakes a number: each mechanism spends the resource its profile is
about, and the latency the load test sees is what that costs.

- :func:`spend_cpu` (``cpu``): hashes on the calling thread until it has used
  a given amount of *CPU* time, so under contention it takes longer on the
  clock, exactly as real work would.
- :class:`Staller` (``stall``): a background task that periodically blocks the
  event loop, burning CPU, like a stop-the-world garbage collection.
- :class:`ActivityLog` (``slow-query``): records every request into a table
  that grows for as long as the server runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from horde.demo._store import format_time

__all__ = ["ActivityLog", "Staller", "spend_cpu"]

_logger = logging.getLogger(__name__)
_SALT = b"horde-demo"
# Small enough that a budget is met to within ~0.1 ms, large enough that reading
# the thread clock is a negligible share of the work.
_ITERATIONS_PER_CHECK = 64


def spend_cpu(budget_s: float, data: bytes) -> str:
    """Stretch a hash of ``data`` until the calling thread has used ``budget_s`` of CPU.

    Returns:
        The hex digest (the ``cpu`` profile sends it as the response's ETag).
    """
    digest = hashlib.sha256(data).digest()
    deadline = time.thread_time() + budget_s
    while time.thread_time() < deadline:
        digest = hashlib.pbkdf2_hmac("sha256", digest, _SALT, _ITERATIONS_PER_CHECK)
    return digest.hex()


def _block_for(duration_s: float) -> None:
    """Keep the calling thread busy for ``duration_s`` of wall-clock time."""
    digest = _SALT
    deadline = time.perf_counter() + duration_s
    while time.perf_counter() < deadline:
        digest = hashlib.pbkdf2_hmac("sha256", digest, _SALT, _ITERATIONS_PER_CHECK)


class Staller:
    """Blocks the event loop for ``duration_s`` once every ``period_s``.

    The pauses are phase-locked to the start of :meth:`run`: the k-th pause
    starts ``k * period_s`` after it, whatever the load, so the sawtooth in the
    results has exactly the configured period.
    """

    def __init__(self, period_s: float, duration_s: float) -> None:
        self.period_s = period_s
        self.duration_s = duration_s
        self.stalls = 0

    async def run(self) -> None:
        """Stall forever, on schedule; cancel the task to stop."""
        loop = asyncio.get_running_loop()
        next_stall = loop.time() + self.period_s
        while True:
            await asyncio.sleep(max(0.0, next_stall - loop.time()))
            # Deliberately synchronous: nothing else on this loop runs until it
            # returns, not even accepting connections.
            _block_for(self.duration_s)
            self.stalls += 1
            next_stall += self.period_s


ActivityRow = tuple[str, str, str, int | None]


class ActivityLog:
    """Buffers one row per request (times ``rows_per_request``) and appends them in batches.

    Batching keeps the insert off each request's path; the table still grows by
    one row per request (within ``flush_interval_s``).

    Args:
        write: Appends a batch of rows to the table (a database write).
        rows_per_request: Rows recorded for each request.
        flush_interval_s: Time between two batches.
        clock: Returns the current time (injected for tests).
    """

    def __init__(
        self,
        write: Callable[[list[ActivityRow]], Awaitable[None]],
        rows_per_request: int,
        flush_interval_s: float = 0.05,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._write = write
        self._rows_per_request = rows_per_request
        self._flush_interval_s = flush_interval_s
        self._clock = clock
        self._pending: list[ActivityRow] = []

    def record(self, path: str, product_id: int | None) -> None:
        """Note one request; product views carry the product id."""
        kind = "request" if product_id is None else "view"
        row = (format_time(self._clock()), kind, path, product_id)
        self._pending.extend([row] * self._rows_per_request)

    async def run(self) -> None:
        """Flush forever; cancel the task to stop."""
        while True:
            await asyncio.sleep(self._flush_interval_s)
            try:
                await self.flush()
            except Exception:
                # Losing a batch of an activity log beats losing the log for the
                # rest of the run (say, the pool was exhausted for a moment).
                _logger.exception("could not append to the activity log; batch dropped")

    async def flush(self) -> None:
        """Append every pending row now."""
        if self._pending:
            batch, self._pending = self._pending, []
            await self._write(batch)
