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
waiting point, so the user's ``finally`` blocks run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from greenlet import getcurrent, greenlet

from horde.exceptions import UsageError

__all__ = ["await_", "call_sync", "in_bridge"]

T = TypeVar("T")


class _BridgedGreenlet(greenlet):
    """A greenlet whose parent is an asyncio driver ready to await on its behalf."""


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
            "in an async def task use the awaitable form (for example `await client.aget(...)`)"
        )
    driver = current.parent
    assert driver is not None  # a bridged greenlet always has its driver as parent
    result: T = driver.switch(awaitable)
    return result


async def call_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run the synchronous ``fn`` in a new greenlet, awaiting whatever it waits on.

    Exceptions raised by ``fn`` propagate to the caller; exceptions raised while
    awaiting (timeouts, cancellation) are thrown into ``fn`` where it waits.
    """
    child = _BridgedGreenlet(fn)
    value = child.switch(*args, **kwargs)
    while not child.dead:
        try:
            result = await value
        except BaseException as exc:
            value = child.throw(exc)
        else:
            value = child.switch(result)
    returned: T = value
    return returned
