"""Event hooks: the places where locustfiles and plugins plug into a run.

Example:
    >>> from horde import events
    >>> @events.test_start.add_listener
    ... def on_test_start(environment, **kwargs):
    ...     print("starting against", environment.host)

Every hook is fired with keyword arguments only, so listeners should accept
``**kwargs``: new arguments may be added to any event.
"""

from __future__ import annotations

import contextlib
import logging
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from horde.exceptions import (
    InterruptTaskSet,
    RescheduleTask,
    RescheduleTaskImmediately,
    StopTest,
    StopUser,
)

__all__ = ["EventHook", "Events", "RequestHook", "RequestSink", "events"]

logger = logging.getLogger("horde.events")

# Signals a listener may raise on purpose; they travel back to whoever fired the event.
_SIGNALS = (StopUser, StopTest, RescheduleTask, RescheduleTaskImmediately, InterruptTaskSet)

Listener = Callable[..., Any]
RequestSink = Callable[[str, str, float | None, int, BaseException | str | None], None]
"""The statistics recorder's fast entry point:
``(request_type, name, response_time_ms, response_length, exception)``."""


class EventHook:
    """A list of listeners called, in order, each time the event fires.

    Example:
        >>> hook = EventHook()
        >>> seen = []
        >>> _ = hook.add_listener(lambda **kw: seen.append(kw["x"]))
        >>> hook.fire(x=1)
        >>> seen
        [1]
    """

    __slots__ = ("_handlers", "_on_error")

    def __init__(self) -> None:
        self._handlers: list[Listener] = []
        self._on_error: Callable[[], None] | None = None

    def add_listener(self, handler: Listener) -> Listener:
        """Add ``handler`` and return it, so this works as a decorator."""
        self._handlers.append(handler)
        return handler

    def remove_listener(self, handler: Listener) -> None:
        """Remove a listener added earlier."""
        self._handlers.remove(handler)

    @property
    def has_listeners(self) -> bool:
        """Whether firing would call anything; hot paths skip building arguments otherwise."""
        return bool(self._handlers)

    def fire(self, *, reverse: bool = False, **kwargs: Any) -> None:
        """Call every listener with ``kwargs``.

        A listener raising a control-flow signal (``StopUser``, ``RescheduleTask``...) ends
        the firing and the signal reaches the caller. Any other exception is logged with its
        traceback and counted; the remaining listeners still run.

        Args:
            reverse: Call the listeners in reverse order of registration.
            **kwargs: The event's arguments.
        """
        # Iterate over a copy: a listener may add or remove listeners while firing.
        handlers = list(reversed(self._handlers)) if reverse else list(self._handlers)
        for handler in handlers:
            try:
                handler(**kwargs)
            except _SIGNALS:
                raise
            except Exception:
                logger.error("Uncaught exception in event handler: \n%s", traceback.format_exc())
                if self._on_error is not None:
                    self._on_error()


class RequestHook(EventHook):
    """The ``request`` event, with a fast path for the statistics recorder.

    The runner installs its recorder as :attr:`sink`; HTTP clients call it directly and
    build the full keyword arguments only when other listeners exist. Firing the hook
    the Locust way (``events.request.fire(...)``) reaches the sink too.
    """

    __slots__ = ("sink",)

    def __init__(self) -> None:
        super().__init__()
        self.sink: RequestSink | None = None

    def fire(self, *, reverse: bool = False, **kwargs: Any) -> None:
        """Record the request in the statistics, then call the listeners."""
        sink = self.sink
        if sink is not None:
            sink(
                kwargs.get("request_type", ""),
                kwargs.get("name", ""),
                kwargs.get("response_time"),
                kwargs.get("response_length") or 0,
                kwargs.get("exception"),
            )
        super().fire(reverse=reverse, **kwargs)

    @contextlib.contextmanager
    def measure(
        self,
        request_type: str,
        name: str,
        response_length: int = 0,
        context: dict[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Time a block of code and report it as a request.

        The block's exception, if any, makes the request a failure and is swallowed.

        Example:
            >>> hook = RequestHook()
            >>> with hook.measure("grpc", "GetUser") as meta:
            ...     meta["response_length"] = 42
        """
        start_perf = time.perf_counter()
        meta: dict[str, Any] = {
            "request_type": request_type,
            "name": name,
            "response_length": response_length,
            "context": context or {},
            "exception": None,
            "start_time": time.time(),
            "response": None,
            "url": None,
        }
        try:
            yield meta
        except Exception as exc:
            meta["exception"] = exc
        meta["response_time"] = (time.perf_counter() - start_perf) * 1000
        self.fire(**meta)


class Events:
    """The set of hooks of one run. ``horde.events`` is the instance locustfiles use.

    Every annotated attribute becomes a fresh hook; plugins may subclass and add more.
    """

    request: RequestHook
    """``request_type, name, response_time, response_length, response, context, exception,
    start_time, url``: once per request."""
    user_error: EventHook
    """``user_instance, exception, tb``: a task or ``on_start`` raised."""
    report_to_master: EventHook
    """``client_id, data``: a worker is about to send its statistics."""
    worker_report: EventHook
    """``client_id, data``: the master received a worker's statistics."""
    worker_connect: EventHook
    """``client_id``: a worker connected to the master."""
    spawning_complete: EventHook
    """``user_count``: a ramp finished."""
    quitting: EventHook
    """``environment``: the process is about to decide its exit code (fired in reverse)."""
    quit: EventHook
    """``exit_code``: the final output was printed; the process is about to exit."""
    init: EventHook
    """``environment, runner, web_ui``: the environment and runner exist."""
    init_command_line_parser: EventHook
    """``parser``: add custom command-line options."""
    test_start: EventHook
    """``environment``: a test starts."""
    test_stopping: EventHook
    """``environment``: a test is about to stop its users."""
    test_stop: EventHook
    """``environment``: every user has stopped."""
    reset_stats: EventHook
    """(no arguments): the statistics are about to be reset."""
    cpu_warning: EventHook
    """``environment, cpu_usage``: the generator's CPU is saturated."""
    usage_monitor: EventHook
    """``environment, cpu_usage, memory_usage``: periodic resource figures."""
    heartbeat_sent: EventHook
    """``client_id, timestamp``: the master answered a worker heartbeat."""
    heartbeat_received: EventHook
    """``client_id, timestamp``: a worker received the master's heartbeat."""

    def __init__(self) -> None:
        self.listener_errors = 0
        """How many listeners raised; a non-zero count makes the exit code 2."""
        for cls in reversed(type(self).__mro__):
            for name, annotation in getattr(cls, "__annotations__", {}).items():
                hook = RequestHook() if annotation in ("RequestHook", RequestHook) else EventHook()
                hook._on_error = self._count_error
                setattr(self, name, hook)

    def _count_error(self) -> None:
        self.listener_errors += 1


events = Events()
"""The hooks every locustfile shares (``from horde import events``)."""
