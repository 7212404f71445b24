"""Calling user code the right way: coroutines on the loop, plain functions in a greenlet."""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from horde.runtime import SyncCaller

__all__ = ["has_sync_tasks", "invoke", "invoke_on_stop", "is_async", "overrides"]

logger = logging.getLogger("horde.user")

# Keyed by the underlying function: bound methods are new objects on every access.
_async_cache: dict[Any, bool] = {}


def is_async(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` is an ``async def`` function or bound method."""
    key = getattr(fn, "__func__", fn)
    try:
        return _async_cache[key]
    except KeyError:
        result = _async_cache[key] = inspect.iscoroutinefunction(fn)
        return result
    except TypeError:  # unhashable callable
        return inspect.iscoroutinefunction(fn)


def has_sync_tasks(owners: Iterable[Any]) -> bool:
    """Whether any task of these user or task set classes, nested sets and Markov chains
    included, is a plain function: it runs in a greenlet, which costs more CPU per request
    than an ``async def`` task (advice for a saturated generator depends on it)."""
    seen: set[int] = set()
    pending = list(owners)
    while pending:
        owner = pending.pop()
        if id(owner) in seen:
            continue
        seen.add(id(owner))
        chain = [getattr(owner, name) for name in getattr(owner, "_chains", {})]
        for task in [*(getattr(owner, "tasks", None) or []), *chain]:
            if hasattr(task, "tasks"):
                pending.append(task)
            elif not is_async(task):
                return True
    return False


def overrides(hook: Callable[..., Any], default: Callable[..., Any]) -> bool:
    """Whether ``hook`` (a bound ``on_start``/``on_stop``) is not the class's default,
    which does nothing: thousands of users then start and stop without a greenlet trip
    each, which held the loop while others' responses waited."""
    return getattr(hook, "__func__", hook) is not default


def invoke(caller: SyncCaller, fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
    """The awaitable running ``fn(*args)``: its coroutine if it is async, else a call in
    the caller's greenlet. Returned rather than awaited here, to keep the hot path one
    coroutine frame shorter."""
    if is_async(fn):
        coroutine: Awaitable[Any] = fn(*args)
        return coroutine
    return caller.call(fn, *args)


async def invoke_on_stop(caller: SyncCaller, on_stop: Callable[[], Any]) -> None:
    """Run an ``on_stop`` handler; an error in it is logged, and the stop goes on."""
    try:
        await invoke(caller, on_stop)
    except Exception:
        logger.error("Uncaught exception in on_stop: \n%s", traceback.format_exc())
