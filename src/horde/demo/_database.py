"""SQLite behind a pool of connections, driven from a thread pool.

The event loop never runs a query. A request first checks a connection out of
an asyncio-level pool (so the wait, and its timeout, happen on the loop where
they cost nothing), then runs its query function in a worker thread with that
connection. There are exactly as many worker threads as connections, so the
pool, not the thread pool, is what requests queue on: that is what lets the
``pool`` profile fail with 503s once the pool is exhausted, instead of queueing
without bound.

SQLite allows one writer at a time. Writes take a ``threading.Lock`` before
``BEGIN IMMEDIATE``, so writers wait on each other without SQLite's busy
handler, which sleeps in coarse steps; in WAL mode readers never wait on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from horde.exceptions import HordeError

__all__ = ["ConnectionPool", "Database", "PoolTimeoutError"]

T = TypeVar("T")
P = ParamSpec("P")


class PoolTimeoutError(HordeError):
    """No database connection became free within the acquire timeout."""


class ConnectionPool:
    """A fixed set of connections handed out on the event loop, with a timeout.

    Waiters are served in arrival order. Built on ``asyncio.Queue``, which keeps a
    connection in the queue until the waiter it woke takes it, so a waiter that
    times out at the same moment never loses one.
    """

    def __init__(self, connections: list[sqlite3.Connection], acquire_timeout_s: float) -> None:
        self.size = len(connections)
        self.acquire_timeout_s = acquire_timeout_s
        self._idle: asyncio.Queue[sqlite3.Connection] = asyncio.Queue()
        for connection in connections:
            self._idle.put_nowait(connection)

    async def acquire(self) -> sqlite3.Connection:
        """Check a connection out, waiting at most ``acquire_timeout_s``.

        Raises:
            PoolTimeoutError: none became free in time.
        """
        if not self._idle.empty():
            # The common case skips the timeout machinery entirely.
            return self._idle.get_nowait()
        try:
            async with asyncio.timeout(self.acquire_timeout_s):
                return await self._idle.get()
        except TimeoutError:
            raise PoolTimeoutError(
                f"all {self.size} database connections stayed busy for {self.acquire_timeout_s:g} s"
            ) from None

    def release(self, connection: sqlite3.Connection) -> None:
        """Give a connection back; the longest waiter gets it."""
        self._idle.put_nowait(connection)


class Database:
    """One SQLite file, a pool of connections to it and one worker thread per connection.

    Create and close it on the event loop that will use it.

    Args:
        path: The database file; it must already hold the schema (see ``_seed``).
        connections: Pool size, and the number of worker threads.
        acquire_timeout_s: How long a query waits for a connection before
            :class:`PoolTimeoutError`.
        hold_s: How long each query keeps its connection after it finishes,
            modelling a transaction that waits on something slow (``pool`` profile).
    """

    def __init__(
        self, path: Path, connections: int, acquire_timeout_s: float, hold_s: float = 0.0
    ) -> None:
        self.path = path
        self._hold_s = hold_s
        self._write_lock = threading.Lock()
        self._loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(connections, thread_name_prefix="horde-demo-db")
        self._connections = [open_connection(path) for _ in range(connections)]
        self.pool = ConnectionPool(list(self._connections), acquire_timeout_s)

    async def read(
        self,
        query: Callable[Concatenate[sqlite3.Connection, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``query(connection, *args)`` in a worker thread and return its result.

        Raises:
            PoolTimeoutError: no connection became free in time.
        """
        return await self._run(self._read, lambda connection: query(connection, *args, **kwargs))

    async def write(
        self,
        query: Callable[Concatenate[sqlite3.Connection, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Like :meth:`read`, inside a write transaction (committed unless it raises).

        Raises:
            PoolTimeoutError: no connection became free in time.
        """
        return await self._run(self._write, lambda connection: query(connection, *args, **kwargs))

    async def close(self) -> None:
        """Wait for running queries, then close every connection."""
        await self._loop.run_in_executor(None, self._executor.shutdown)
        for connection in self._connections:
            connection.close()

    async def _run(
        self,
        runner: Callable[[sqlite3.Connection, Callable[[sqlite3.Connection], T]], T],
        call: Callable[[sqlite3.Connection], T],
    ) -> T:
        connection = await self.pool.acquire()
        try:
            future = self._executor.submit(runner, connection, call)
        except BaseException:
            self.pool.release(connection)
            raise
        # Give the connection back when the thread is done with it, not when this
        # task stops waiting: a cancelled request must not hand a connection that a
        # thread still uses to the next one.
        future.add_done_callback(lambda _: self._release_threadsafe(connection))
        return await asyncio.wrap_future(future)

    def _release_threadsafe(self, connection: sqlite3.Connection) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting
            self._loop.call_soon_threadsafe(self.pool.release, connection)

    def _read(self, connection: sqlite3.Connection, call: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return call(connection)
        finally:
            self._hold()

    def _write(self, connection: sqlite3.Connection, call: Callable[[sqlite3.Connection], T]) -> T:
        try:
            with self._write_lock:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    result = call(connection)
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
                return result
        finally:
            self._hold()

    def _hold(self) -> None:
        # Outside the write lock: the pool is the bottleneck being modelled, not
        # SQLite's single writer.
        if self._hold_s:
            time.sleep(self._hold_s)


def open_connection(path: Path) -> sqlite3.Connection:
    """Open ``path`` for use from any one thread at a time, in autocommit mode."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA temp_store = MEMORY")
    return connection
