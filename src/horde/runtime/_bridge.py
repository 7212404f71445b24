"""The greenlet bridge: synchronous user code that waits on asyncio.

Locustfiles are written synchronously (``r = self.client.get("/")``). horde runs such
code in a greenlet driven by an asyncio task. When the code needs to wait, the waiting
primitive calls :func:`await_`, which switches back to the driver with an awaitable.
The driver awaits it on the loop and switches back into the greenlet with the result,
or throws the exception in. Async code never touches the bridge.

::

    driver (asyncio task)               user greenlet
    value = g.switch()                  r = client.get("/x")
    while not g.dead:                     └─ await_(future) ── parent.switch(future)
        result = await value                 (resumes here with the result,
        value = g.switch(result)              or with the exception raised)

Cancelling the driver task throws ``CancelledError`` into the greenlet at its current
waiting point, so the user's ``finally`` blocks run. :func:`interrupt` and
:func:`interrupt_later` throw another exception there the same way (``gevent.Timeout``,
``Greenlet.kill(exception)``): the driver takes the cancellation back and throws that
exception instead.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from greenlet import getcurrent, greenlet

from horde.exceptions import UsageError

__all__ = [
    "Deadline",
    "SyncCaller",
    "await_",
    "call_sync",
    "in_bridge",
    "interrupt",
    "interrupt_later",
]

T = TypeVar("T")


class _BridgedGreenlet(greenlet):
    """A greenlet whose parent is an asyncio driver ready to await on its behalf."""

    def __init__(self, run: Callable[..., Any]) -> None:
        super().__init__(run)
        self.deadlines: list[Deadline] = []
        """The :func:`interrupt_later` timers of the call in progress, ended with it."""


def in_bridge() -> bool:
    """Whether the caller is synchronous user code running under a driver."""
    return isinstance(getcurrent(), _BridgedGreenlet)


def await_(awaitable: Awaitable[T]) -> T:
    """Wait for ``awaitable`` from synchronous user code and return its result.

    Raises:
        UsageError: When called outside synchronous user code (for instance from an
            ``async def`` task, which should ``await`` instead).
    """
    current = getcurrent()
    if not isinstance(current, _BridgedGreenlet):
        if hasattr(awaitable, "close"):
            awaitable.close()  # avoid a "never awaited" warning for coroutines
        raise UsageError(
            "a blocking horde call was made outside synchronous user code; "
            "in an async def task use the awaitable form (for example `await client.aget(...)`, "
            "or `await asyncio.to_thread(fn, ...)` in place of horde.run_blocking(fn, ...))"
        )
    driver = current.parent
    assert driver is not None  # a bridged greenlet always has its driver as parent
    result: T = driver.switch(awaitable)
    return result


class _Interrupt:
    """The exception a driver task is to throw in place of the cancellations it was sent
    for it, and how many those were."""

    __slots__ = ("cancels", "error")

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.cancels = 0


#: The pending interrupt of each driver task (a plain dict: the drivers test it often).
_INTERRUPTS: dict[asyncio.Task[Any], _Interrupt] = {}


def interrupt(task: asyncio.Task[Any], error: BaseException) -> None:
    """Raise ``error`` in the synchronous code that ``task`` drives, where it waits.

    ``task`` is cancelled, and its driver throws ``error`` into the code instead of the
    cancellation (the first error, if several come at once). A task that has not started
    yet is only cancelled.
    """
    pending = _INTERRUPTS.get(task)
    if pending is None:
        pending = _INTERRUPTS[task] = _Interrupt(error)
        task.add_done_callback(lambda done: _INTERRUPTS.pop(done, None))
    pending.cancels += 1
    task.cancel()


def _take_back(task: asyncio.Task[Any]) -> _Interrupt | None:
    """Remove ``task``'s pending interrupt and the cancellations it sent."""
    pending = _INTERRUPTS.pop(task, None)
    if pending is not None:
        for _ in range(pending.cancels):
            task.uncancel()
    return pending


def _instead_of(exc: BaseException) -> BaseException:
    """What a driver throws into its greenlet for ``exc``, raised while it awaited: the
    pending interrupt in place of its cancellation, unless a stop came with it."""
    if _INTERRUPTS and isinstance(exc, asyncio.CancelledError):
        task = asyncio.current_task()
        pending = None if task is None else _take_back(task)
        # A real cancel that came in the same turn wins: the stop goes on.
        if pending is not None and task is not None and task.cancelling() == 0:
            return pending.error
    return exc


def _forget_interrupt() -> None:
    """Drop the current task's interrupt that a wait swallowed (``asyncio.wait_for``
    returns its result when it comes with the cancellation): a later cancellation, a
    stop, must not turn into it."""
    task = asyncio.current_task()
    if task is not None:
        _take_back(task)


class Deadline:
    """A pending :func:`interrupt_later`; it ends when cancelled, fired, or its call returns."""

    __slots__ = ("_greenlet", "_handle", "fired")

    def __init__(
        self,
        greenlet: _BridgedGreenlet,
        task: asyncio.Task[Any],
        seconds: float,
        error: BaseException,
    ) -> None:
        self._greenlet = greenlet
        self._handle = task.get_loop().call_later(seconds, self._fire, task, error)
        self.fired = False
        greenlet.deadlines.append(self)

    @property
    def pending(self) -> bool:
        """Whether it will still fire."""
        return not self.fired and not self._handle.cancelled()

    def cancel(self) -> None:
        """Not fire after all (nothing happens if it already has)."""
        self._handle.cancel()
        if self in self._greenlet.deadlines:
            self._greenlet.deadlines.remove(self)

    def _fire(self, task: asyncio.Task[Any], error: BaseException) -> None:
        self.fired = True
        self._greenlet.deadlines.remove(self)
        interrupt(task, error)


def interrupt_later(seconds: float, error: BaseException) -> Deadline:
    """Raise ``error`` in the calling synchronous code if it is still waiting on the loop
    after ``seconds``, inside the same call (the deadline ends with the call).

    Raises:
        UsageError: When called outside synchronous user code.
    """
    current = getcurrent()
    task = asyncio.current_task() if isinstance(current, _BridgedGreenlet) else None
    if task is None:
        raise UsageError(
            "a timeout was started outside synchronous user code; in an async def task "
            "use `async with asyncio.timeout(seconds):`"
        )
    assert isinstance(current, _BridgedGreenlet)
    return Deadline(current, task, seconds, error)


class _Outcome:
    """How a call in a bridged greenlet ended: what it returned, or what it raised."""

    __slots__ = ("error", "result")

    def __init__(self, result: Any, error: BaseException | None) -> None:
        self.result = result
        self.error = error


def _serve(fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """The body of a reusable bridged greenlet: run one call, hand back its outcome, repeat."""
    driver = getcurrent().parent
    assert driver is not None
    while True:
        try:
            outcome = _Outcome(fn(*args), None)
        except BaseException as exc:  # every outcome goes back to the driver
            outcome = _Outcome(None, exc)
        del fn, args  # drop references while idle
        fn, args = driver.switch(outcome)


class _Pool(threading.local):
    """The idle bridged greenlets of one thread (a greenlet runs only in its own)."""

    def __init__(self) -> None:
        self.idle: list[_BridgedGreenlet] = []


_POOL = _Pool()


class SyncCaller:
    """Runs synchronous calls in greenlets shared by every caller of the thread.

    A greenlet costs microseconds to create, and a switch a tenth of one, so a call
    takes an idle greenlet from a pool and puts it back when it returns. Only the calls
    in progress hold one: 12,000 users sending a request a second each need a few
    dozen, which stay in the CPU's caches (one greenlet kept per user took 7% more CPU
    there, and 6 KB more memory per user). Each caller has its own ``contextvars``
    context, which every call it makes runs in, nested ones too (user code that runs a
    task set synchronously): what a user's tasks set, its later tasks see, as in the one
    greenlet a user has under gevent.

    Example:
        >>> caller = SyncCaller()
        >>> # inside a coroutine:  result = await caller.call(task_function, user)
    """

    __slots__ = ("_context", "suspended")

    def __init__(self) -> None:
        self._context: contextvars.Context | None = None
        self.suspended = False
        """Whether a call waited on the loop since the flag was last cleared."""

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in a greenlet, awaiting whatever it waits on.

        Exceptions raised by ``fn`` propagate to the caller; exceptions raised while
        awaiting (timeouts, cancellation) are thrown into ``fn`` where it waits.
        """
        context = self._context
        if context is None:
            context = self._context = contextvars.Context()
        idle = _POOL.idle
        child = idle.pop() if idle else _BridgedGreenlet(_serve)
        child.gr_context = context
        value: Any = None
        try:
            value = child.switch(fn, args)
            while type(value) is not _Outcome:
                self.suspended = True
                try:
                    result = await value
                except BaseException as exc:  # belongs to the user code
                    value = child.throw(_instead_of(exc))
                else:
                    if _INTERRUPTS:
                        _forget_interrupt()
                    value = child.switch(result)
        finally:
            if child.deadlines:  # those the call left running end with it
                for deadline in child.deadlines:
                    deadline._handle.cancel()
                child.deadlines.clear()
            if _INTERRUPTS:
                _forget_interrupt()
            # Back to the pool only once its call ended (an error that hit the driver
            # mid-call leaves the greenlet waiting, and it is dropped). Kept however many:
            # the most calls ever in progress at once, which users' own greenlets would
            # all hold; dropping them after a burst costs a switch into each, and a
            # generator slowed by a burst would drop and remake them without end.
            if type(value) is _Outcome and not child.dead:
                child.gr_context = None  # the next caller brings its own
                idle.append(child)
        if value.error is not None:
            error, value.error = value.error, None  # no reference cycle through the frame
            raise error
        returned: T = value.result
        value.result = None  # the idle greenlet still holds its last outcome
        return returned


async def call_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run the synchronous ``fn(*args, **kwargs)`` in a greenlet, awaiting whatever it
    waits on.

    Exceptions raised by ``fn`` propagate to the caller; exceptions raised while
    awaiting (timeouts, cancellation) are thrown into ``fn`` where it waits.
    """
    if kwargs:
        return await SyncCaller().call(functools.partial(fn, *args, **kwargs))
    return await SyncCaller().call(fn, *args)
