"""Reporting requests, and ``catch_response=True``: deciding a request's outcome in user code.

Every request is reported exactly once through its session's ``request`` hook. The
statistics recorder is called directly through the hook's ``sink``; the keyword
arguments for other listeners are built only when there are listeners.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from horde.event import EventHook, RequestHook
from horde.exceptions import CatchResponseError, LocustError, ResponseError
from horde.http._errors import innermost_cause
from horde.http._response import Response, http_error

__all__ = ["ResponseContextManager", "fire_request_listeners", "report_meta", "report_request"]

_NOT_ENTERED = (
    "Tried to set status on a request that has not yet been made. Make sure you use a "
    "with-block, like this:\n\nwith self.client.request(..., catch_response=True) as response:\n"
    "    response.{call}"
)
_WITH_WITHOUT_CATCH = (
    "In order to use a with-block for requests, you must also pass catch_response=True"
)


def fire_request_listeners(event: EventHook, **kwargs: Any) -> None:
    """Call the listeners of a ``request`` hook *without* its statistics sink.

    ``RequestHook.fire`` would call the sink too, and the request would be recorded
    twice; clients that already called the sink use this instead.
    """
    EventHook.fire(event, **kwargs)


def report_request(  # noqa: PLR0917 - once per request: positional arguments are cheaper
    event: Any,
    request_type: str,
    name: str,
    response_time: float,
    response_length: int,
    exception: BaseException | None,
    response: Any = None,
    context: Any = None,
    start_time: float = 0.0,
    url: str = "",
) -> None:
    """Report one request: the sink directly, then any listeners with Locust's arguments.

    The arguments after ``exception`` are only for listeners: a caller that knows the
    hook has none (only the statistics sink) may leave them out.
    """
    if event is None:
        return
    is_request_hook = isinstance(event, RequestHook)
    if is_request_hook:
        sink = event.sink
        if sink is not None:
            sink(request_type, name, response_time, response_length, exception)
        if not event.has_listeners:
            return
    kwargs = {
        "request_type": request_type,
        "response_time": response_time,
        "name": name,
        "context": context,
        "response": response,
        "exception": exception,
        "start_time": start_time,
        "url": url,
        "response_length": response_length,
    }
    if is_request_hook:
        fire_request_listeners(event, **kwargs)
    else:
        event.fire(**kwargs)  # some other hook object: it does its own bookkeeping


def report_meta(event: Any, meta: dict[str, Any]) -> None:
    """Report a request described by a ``request_meta`` dict (catch_response)."""
    if event is None:
        return
    if isinstance(event, RequestHook):
        sink = event.sink
        if sink is not None:
            sink(
                meta.get("request_type", ""),
                meta.get("name", ""),
                meta.get("response_time"),
                meta.get("response_length") or 0,
                meta.get("exception"),
            )
        if event.has_listeners:
            fire_request_listeners(event, **meta)
    else:
        event.fire(**meta)


class ResponseContextManager(Response):
    """The response every request returns; with ``catch_response=True`` also a context manager
    in which user code decides whether the request succeeded.

    Example:
        >>> def task(client):  # doctest: +SKIP
        ...     with client.get("/missing", catch_response=True) as response:
        ...         if response.status_code == 404:
        ...             response.success()

    Leaving the block reports the request once: with the result of the last
    ``success()``/``failure()`` call if any (an exception in the block still
    propagates); else as failed if the block raised a ``ResponseError`` (which is
    swallowed); else not at all if the block raised anything else; else by status code.
    A ``catch_response`` request whose block is never entered is never reported.
    """

    __slots__ = ()

    def arm(self, request_event: Any, request_meta: dict[str, Any]) -> None:
        """Hold back the report until the ``with`` block ends (``catch_response=True``)."""
        self._request_event = request_event
        self._request_meta = request_meta
        self._catch_response = True

    @property
    def request_meta(self) -> dict[str, Any] | None:
        """What will be reported when the ``with`` block ends; mutable (e.g. ``["name"]``).

        ``None`` without ``catch_response=True``: the request was reported already.
        """
        return self._request_meta

    def default_exception(self, name: str) -> BaseException | None:
        """The failure this response counts as when user code does not decide (§2.2)."""
        error = self.error
        if error is not None:
            return innermost_cause(error)
        if 400 <= self.status_code < 600:
            return http_error(self, name)
        return None

    def __enter__(self) -> ResponseContextManager:
        if not self._catch_response:
            raise LocustError(_WITH_WITHOUT_CATCH)
        self._entered = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        meta = self._request_meta
        assert meta is not None
        manual = self._manual_result
        if manual is not None:
            meta["exception"] = None if manual is True else manual
            report_meta(self._request_event, meta)
            return exc_type is None
        if exc_type is not None:
            if not isinstance(exc, ResponseError):
                return False  # not reported at all; the exception goes on
            meta["exception"] = exc
        else:
            meta["exception"] = self.default_exception(meta["name"])
        report_meta(self._request_event, meta)
        return True

    def success(self) -> None:
        """Report the request as successful when the block ends (the last call wins).

        Raises:
            LocustError: Without ``catch_response=True``, or outside the ``with`` block.
        """
        self._check_settable("success()")
        self._manual_result = True

    def failure(self, exc: Any = None) -> None:
        """Report the request as failed when the block ends (the last call wins).

        Args:
            exc: An exception, used as it is, or anything else (usually a message), which
                is wrapped in a ``CatchResponseError``.

        Raises:
            LocustError: Without ``catch_response=True``, or outside the ``with`` block.
        """
        self._check_settable("failure(...)")
        if not isinstance(exc, BaseException):
            exc = CatchResponseError(exc)
        self._manual_result = exc

    def _check_settable(self, call: str) -> None:
        if not self._catch_response:
            Response.success(self)  # raises the catch_response=True explanation
        if not self._entered:
            raise LocustError(_NOT_ENTERED.format(call=call))

    def raise_for_status(self) -> None:
        """As for any response, except after ``success()`` (no error) or ``failure(e)`` (``e``)."""
        manual = self._manual_result
        if isinstance(manual, BaseException):
            raise manual
        if manual is None:
            super().raise_for_status()
