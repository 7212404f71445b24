"""Helpers for driving the HTTP client in tests: run sync code in a user greenlet, record
what the ``request`` hook receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from horde.event import RequestHook
from horde.runtime import call_sync, run

__all__ = ["FakeUser", "Recorder", "run_async", "run_sync"]

T = TypeVar("T")


class Recorder:
    """A ``request`` hook with a statistics sink and a listener, both recording calls."""

    def __init__(self, *, listener: bool = True) -> None:
        self.hook = RequestHook()
        self.sunk: list[tuple[str, str, float | None, int, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.hook.sink = lambda *args: self.sunk.append(args)
        if listener:
            self.hook.add_listener(lambda **kwargs: self.events.append(kwargs))

    @property
    def names(self) -> list[str]:
        """The names recorded by the sink, in order."""
        return [entry[1] for entry in self.sunk]

    @property
    def exceptions(self) -> list[Any]:
        """The exceptions recorded by the sink, in order (``None`` for successes)."""
        return [entry[4] for entry in self.sunk]

    def only(self) -> dict[str, Any]:
        """The single listener event; fails unless exactly one request was reported."""
        assert len(self.sunk) == 1, self.sunk
        assert len(self.events) == 1, self.events
        return self.events[0]


class FakeUser:
    """The one thing sessions need from a user: ``context()``."""

    def __init__(self, context: dict[str, Any] | None = None) -> None:
        self._context = context or {}

    def context(self) -> dict[str, Any]:
        return self._context


def run_sync(fn: Callable[[], T], *closing: Any) -> T:
    """Run ``fn`` as synchronous user code on a fresh loop; close ``closing`` sessions after."""

    async def main() -> T:
        try:
            return await call_sync(fn)
        finally:
            for session in closing:
                session.close()

    return run(main())


def run_async(fn: Callable[[], Awaitable[T]], *closing: Any) -> T:
    """Run the coroutine function ``fn`` on a fresh loop; close ``closing`` sessions after."""

    async def main() -> T:
        try:
            return await fn()
        finally:
            for session in closing:
                session.close()

    return run(main())
