"""``gevent.timeout``: a limit on how long synchronous code may wait.

Example:
    >>> with Timeout(2):  # doctest: +SKIP
    ...     self.client.get("/slow")
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from horde.runtime import Deadline, interrupt_later

__all__ = ["Timeout", "with_timeout"]


class Timeout(BaseException):
    """Raises, after ``seconds``, where the code that started it waits: this timeout itself,
    or ``exception`` when given. ``exception=False`` makes a ``with`` block end quietly.
    The limit holds while the code waits on the loop (requests, sleeps, locks, queues),
    as under gevent: code that keeps the processor is not interrupted.

    Args:
        seconds: The limit; None for none.
        exception: What to raise in its place: an exception or its class; False for
            a quiet end of the ``with`` block.
    """

    def __init__(
        self,
        seconds: float | None = None,
        exception: type[BaseException] | BaseException | bool | None = None,
        ref: bool = True,
        priority: int = -1,
    ) -> None:
        super().__init__()
        self.seconds = seconds
        self.exception = exception
        self._deadline: Deadline | None = None

    def start(self) -> None:
        """Start counting (where the current code waits is where it will raise).

        Raises:
            AssertionError: It is already pending, as gevent says.
            UsageError: Outside synchronous user code.
        """
        if self.pending:
            raise AssertionError(f"{self!r} is already started; to restart it, cancel it first")
        if self.seconds is None:
            return
        raised = self.exception
        if raised is None or isinstance(raised, bool | str):
            raised = self
        elif isinstance(raised, type):
            raised = raised()
        self._deadline = interrupt_later(max(self.seconds, 0.0), raised)

    @classmethod
    def start_new(
        cls,
        timeout: float | Timeout | None = None,
        exception: type[BaseException] | BaseException | bool | None = None,
        ref: bool = True,
    ) -> Timeout:
        """A started timeout (``timeout`` itself, started, when it is one)."""
        if isinstance(timeout, Timeout):
            if not timeout.pending:
                timeout.start()
            return timeout
        started = cls(timeout, exception)
        started.start()
        return started

    @property
    def pending(self) -> bool:
        """Whether it is counting and has not fired."""
        return self._deadline is not None and self._deadline.pending

    def cancel(self) -> None:
        """Stop counting; nothing will be raised."""
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    close = cancel

    def __enter__(self) -> Timeout:
        if not self.pending:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        self.cancel()
        return exc is self and self.exception is False

    def __str__(self) -> str:
        if self.seconds is None:
            return ""
        suffix = "" if self.seconds == 1 else "s"
        if self.exception is None or self.exception is True:
            return f"{self.seconds} second{suffix}"
        if self.exception is False:
            return f"{self.seconds} second{suffix} (silent)"
        return f"{self.seconds} second{suffix}: {self.exception}"

    def __repr__(self) -> str:
        return f"<Timeout at {id(self):#x} seconds={self.seconds} exception={self.exception}>"


_NO_VALUE = object()


def with_timeout(seconds: float, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` limited to ``seconds``; on timeout, the
    ``timeout_value`` keyword's value when given, else :class:`Timeout` is raised."""
    timeout_value = kwargs.pop("timeout_value", _NO_VALUE)
    timeout = Timeout.start_new(seconds)
    try:
        return function(*args, **kwargs)
    except Timeout as error:
        if error is timeout and timeout_value is not _NO_VALUE:
            return timeout_value
        raise
    finally:
        timeout.cancel()
