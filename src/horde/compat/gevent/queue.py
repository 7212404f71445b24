"""``gevent.queue``: queues that make only the waiting user wait.

Locustfiles share test data between users with them, filled when the file loads and
taken in ``on_start``:

Example:
    >>> ACCOUNTS = Queue()  # doctest: +SKIP
    >>> for account in load_accounts():  # doctest: +SKIP
    ...     ACCOUNTS.put_nowait(account)
    >>> account = ACCOUNTS.get(timeout=5)  # in on_start  # doctest: +SKIP

A call that finds what it needs (an item to get, room to put) does not wait, so it works
anywhere, outside a run too; one that has to wait does so cooperatively, from synchronous
user code only. ``Empty`` and ``Full`` are the standard library's, as in gevent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Iterable
from queue import Empty, Full
from typing import Any, TypeVar

from horde.runtime import await_

__all__ = [
    "Empty",
    "Full",
    "JoinableQueue",
    "LifoQueue",
    "PriorityQueue",
    "Queue",
    "SimpleQueue",
]

T = TypeVar("T")


def _wait(awaitable: Awaitable[T], timeout: float | None) -> T:
    """Wait for ``awaitable`` cooperatively, at most ``timeout`` seconds.

    Raises:
        TimeoutError: ``timeout`` passed.
    """
    return await_(awaitable if timeout is None else asyncio.wait_for(awaitable, timeout))


class Queue:
    """First in, first out; at most ``maxsize`` items (None or 0: no limit). Producers
    can wait until every item taken was marked done (``task_done``, ``join``).

    Args:
        maxsize: How many items it holds before ``put`` waits.
        items: What it holds to begin with.
    """

    def __init__(self, maxsize: int | None = None, items: Iterable[Any] = ()) -> None:
        if maxsize is not None and maxsize < 0:
            raise ValueError(f"a queue's maxsize must be 0 or more, or None; got {maxsize}")
        self._queue = self._make(maxsize or 0)
        for item in items:
            self._queue.put_nowait(item)

    @staticmethod
    def _make(maxsize: int) -> asyncio.Queue[Any]:
        return asyncio.Queue(maxsize)

    @property
    def maxsize(self) -> int | None:
        """How many items it holds before ``put`` waits; None for no limit."""
        return self._queue.maxsize or None

    def qsize(self) -> int:
        """How many items it holds."""
        return self._queue.qsize()

    __len__ = qsize

    def __bool__(self) -> bool:
        return True  # a queue is true even when empty, as in gevent

    def empty(self) -> bool:
        """Whether it holds no item."""
        return self._queue.empty()

    def full(self) -> bool:
        """Whether ``put`` would wait."""
        return self._queue.full()

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        """Add ``item``, waiting for room when full.

        Raises:
            Full: No room came within ``timeout``, or at once without ``block``.
        """
        if not self._queue.full():
            self._queue.put_nowait(item)
            return
        if not block:
            raise Full
        try:
            _wait(self._queue.put(item), timeout)
        except TimeoutError:
            raise Full from None

    def put_nowait(self, item: Any) -> None:
        """Add ``item`` now.

        Raises:
            Full: It is full.
        """
        self.put(item, block=False)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Take the next item, waiting for one when empty.

        Raises:
            Empty: No item came within ``timeout``, or at once without ``block``.
        """
        if not self._queue.empty():
            return self._queue.get_nowait()
        if not block:
            raise Empty
        try:
            return _wait(self._queue.get(), timeout)
        except TimeoutError:
            raise Empty from None

    def get_nowait(self) -> Any:
        """Take the next item now.

        Raises:
            Empty: It is empty.
        """
        return self.get(block=False)

    def peek(self, block: bool = True, timeout: float | None = None) -> Any:
        """The next item, left in the queue, waiting for one when empty.

        Raises:
            Empty: No item came within ``timeout``, or at once without ``block``.
        """
        if not self._queue.empty():
            return self._first()
        if not block:
            raise Empty
        try:
            return _wait(self._an_item(), timeout)
        except TimeoutError:
            raise Empty from None

    def peek_nowait(self) -> Any:
        """The next item, left in the queue, now.

        Raises:
            Empty: It is empty.
        """
        return self.peek(block=False)

    def _first(self) -> Any:
        items: Any = self._queue._queue  # type: ignore[attr-defined]  # a deque, list or heap
        return items[-1] if isinstance(self._queue, asyncio.LifoQueue) else items[0]

    async def _an_item(self) -> Any:
        """The first item once there is one, waited for as asyncio's ``get`` waits, but
        left in the queue: the next waiting getter is woken for it."""
        queue: Any = self._queue
        loop = asyncio.get_running_loop()
        while queue.empty():
            waiter = loop.create_future()
            queue._getters.append(waiter)  # woken by the next put
            try:
                await waiter
            except BaseException:
                waiter.cancel()
                with contextlib.suppress(ValueError):
                    queue._getters.remove(waiter)
                if not queue.empty() and not waiter.cancelled():
                    # Woken for an item, then cancelled (a timeout): the next waiter is
                    # to have it, as asyncio's own get hands it on.
                    queue._wakeup_next(queue._getters)
                raise
        first = self._first()
        queue._wakeup_next(queue._getters)
        return first

    @property
    def unfinished_tasks(self) -> int:
        """Items put and not yet marked done."""
        return self._queue._unfinished_tasks  # type: ignore[attr-defined, no-any-return]

    def task_done(self) -> None:
        """Mark one taken item as handled.

        Raises:
            ValueError: More calls than items put.
        """
        self._queue.task_done()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every item put was marked done; whether that happened in time."""
        # Nothing to wait for needs no loop: asyncio's queue keeps the count unexposed.
        if self.unfinished_tasks == 0:
            return True
        try:
            _wait(self._queue.join(), timeout)
        except TimeoutError:
            return False
        return True

    def __iter__(self) -> Queue:
        return self

    def __next__(self) -> Any:
        """The next item, waiting for it; the iteration ends at a ``StopIteration`` item."""
        item = self.get()
        if item is StopIteration:
            raise StopIteration
        return item


SimpleQueue = Queue


class LifoQueue(Queue):
    """Last in, first out."""

    @staticmethod
    def _make(maxsize: int) -> asyncio.Queue[Any]:
        return asyncio.LifoQueue(maxsize)


class PriorityQueue(Queue):
    """Lowest first (items are compared, so ``(priority, data)`` tuples suit)."""

    @staticmethod
    def _make(maxsize: int) -> asyncio.Queue[Any]:
        return asyncio.PriorityQueue(maxsize)


JoinableQueue = Queue
"""gevent's old name for :class:`Queue` (every queue has ``join`` since gevent 25.4)."""
