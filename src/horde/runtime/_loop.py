"""Event loop setup: uvloop where available, the standard loop otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from horde.runtime._gc import run_thresholds

T = TypeVar("T")


def new_event_loop() -> asyncio.AbstractEventLoop:
    """Return a new uvloop loop, or a standard asyncio loop where uvloop is missing."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - platforms without uvloop
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on a fresh loop (uvloop when available) and close it.

    The garbage collector runs less often meanwhile (see :mod:`horde.runtime._gc`).
    """
    with run_thresholds(), asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)
