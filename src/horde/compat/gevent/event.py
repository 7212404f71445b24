"""``gevent.event``: a flag users can wait on, and a result one hands to others."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from horde.compat.gevent.timeout import Timeout
from horde.runtime import await_

__all__ = ["AsyncResult", "Event"]


class Event:
    """Set once, waited on by many."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        """Wake every waiter."""
        self._event.set()

    def clear(self) -> None:
        """Make waiters wait again."""
        self._event.clear()

    def is_set(self) -> bool:
        """Whether the flag is set."""
        return self._event.is_set()

    isSet = is_set
    ready = is_set

    def wait(self, timeout: float | None = None) -> bool:
        """Wait (cooperatively) until set; the flag's value afterwards."""
        if self._event.is_set():
            return True  # no waiting, so anywhere
        with contextlib.suppress(TimeoutError):
            await_(asyncio.wait_for(self._event.wait(), timeout))
        return self._event.is_set()


class AsyncResult:
    """A value (or an exception) that one function sets and others wait for.

    Example:
        >>> token = AsyncResult()  # doctest: +SKIP
        >>> gevent.spawn(lambda: token.set(log_in()))  # doctest: +SKIP
        >>> headers = {"Authorization": token.get(timeout=5)}  # doctest: +SKIP
    """

    def __init__(self) -> None:
        self._event = Event()
        self._value: Any = None
        self._exception: BaseException | None = None
        self._exc_info: tuple[Any, ...] = ()

    def set(self, value: Any = None) -> None:
        """Hand over ``value``; wake every waiter."""
        self._value, self._exception, self._exc_info = value, None, ()
        self._event.set()

    def set_exception(self, exception: BaseException, exc_info: Any = None) -> None:
        """Hand over ``exception``: ``get`` raises it."""
        self._value, self._exception = None, exception
        self._exc_info = tuple(exc_info or (type(exception), exception, exception.__traceback__))
        self._event.set()

    def ready(self) -> bool:
        """Whether a value or an exception was set."""
        return self._event.is_set()

    def successful(self) -> bool:
        """Whether a value was set."""
        return self.ready() and self._exception is None

    @property
    def value(self) -> Any:
        """The value set (None until then)."""
        return self._value

    @property
    def exception(self) -> BaseException | None:
        """The exception set, if any."""
        return self._exception

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """The value, waiting for it; an exception set is raised here.

        Raises:
            Timeout: Nothing was set within ``timeout`` (or at once, without ``block``).
        """
        if not self.ready() and not (block and self._event.wait(timeout)):
            raise Timeout(timeout)
        if self._exception is not None:
            raise self._exception
        return self._value

    def get_nowait(self) -> Any:
        """The value now (see :meth:`get`)."""
        return self.get(block=False)

    def result(self, timeout: float | None = None) -> Any:
        """:meth:`get`, as ``concurrent.futures`` names it."""
        return self.get(timeout=timeout)

    @property
    def exc_info(self) -> tuple[Any, ...]:
        """``(type, exception, traceback)`` of the exception set; ``()`` otherwise."""
        return self._exc_info

    def wait(self, timeout: float | None = None) -> Any:
        """Wait until something is set, or ``timeout``; the value (None before)."""
        self._event.wait(timeout)
        return self._value

    def __call__(self, source: Any) -> None:
        """Take the outcome of a finished greenlet: ``greenlet.link(result)``."""
        if source.successful():
            self.set(source.value)
        else:
            self.set_exception(source.exception)
