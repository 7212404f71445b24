"""Calling user code the right way: coroutines on the loop, plain functions in a greenlet."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from horde.runtime import call_sync

__all__ = ["invoke", "is_async"]

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


async def invoke(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)``: awaited if it is async, in a bridged greenlet otherwise."""
    if is_async(fn):
        return await fn(*args)
    result = await call_sync(fn, *args)
    if inspect.isawaitable(result):  # a plain function that returned a coroutine
        return await result
    return result
