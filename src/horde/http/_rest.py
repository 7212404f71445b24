"""``rest()`` and ``rest_()``: JSON requests whose checks are written as plain assertions."""

from __future__ import annotations

import contextlib
import re
import time
import traceback
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Protocol

from horde.http._context import ResponseContextManager

__all__ = ["RestClient", "arest", "rest", "rest_"]

_CALLSTACK = re.compile(r'  File "(\/.[^"]*)", line (\d*),(.*)')
_HOME = re.compile(r"/((home|Users)/\w*)/")

RestResponseContextManager = ResponseContextManager
"""Locust's name for the response a ``rest()`` block gets (it has ``.js``)."""


class RestClient(Protocol):
    """What ``rest()`` needs from a session."""

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> ResponseContextManager:
        """Send a request."""
        ...

    async def arequest(
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> ResponseContextManager:
        """Send a request from async code."""
        ...


def _json_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    result = dict(headers or {})
    present = {name.lower() for name in result}
    if "content-type" not in present:
        result["Content-Type"] = "application/json"
    if "accept" not in present:
        result["Accept"] = "application/json"
    return result


def _parse_body(response: ResponseContextManager) -> None:
    response.js = None
    if response.content is None:
        response.failure(str(response.error))
    elif text := response.text:
        try:
            response.js = response.json()
        except ValueError as exc:
            response.failure(
                f"Could not parse response as JSON. {text[:250]}, "
                f"response code {response.status_code}, error {exc}"
            )


def _fail_from(response: ResponseContextManager, error: Exception) -> None:
    """Turn an exception raised in a ``rest()`` block into ``response.failure(...)``."""
    text = response.text
    short = text[:200] if text else text
    if isinstance(error, AssertionError):
        if not error.args:
            response.failure("Assertion failed")
            return
        message = str(error.args[0])
        if message.endswith(","):
            response.failure(f"{message[:-1]}, response was {short}")
        else:
            response.failure(message)
        return
    lines = []
    for line in traceback.format_exc().split("\n"):
        if match := _CALLSTACK.match(line):
            filename = _HOME.sub("~/", match.group(1))
            lines.append(f"{filename}:{match.group(2)}{match.group(3)}")
    where = ", ".join(lines)
    response.failure(f"{error.__class__.__name__}: {error} at {where}. Response was {short}")


@contextlib.contextmanager
def rest(
    client: RestClient,
    method: str,
    url: str,
    headers: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Iterator[ResponseContextManager]:
    """A JSON request in a ``with`` block; the parsed body is ``response.js``.

    ``Content-Type`` and ``Accept`` default to ``application/json``. A body that is not
    JSON, a failed ``assert`` or any other exception in the block marks the request failed
    (the exception is swallowed) instead of ending the task.

    Example:
        >>> with session.rest("POST", "/api/cart", json={"id": 1}) as response:  # doctest: +SKIP
        ...     assert response.js["ok"], "cart refused the item,"
    """
    response = client.request(
        method, url, catch_response=True, headers=_json_headers(headers), **kwargs
    )
    with response:
        _parse_body(response)
        try:
            yield response
        except Exception as error:
            _fail_from(response, error)


@contextlib.asynccontextmanager
async def arest(
    client: RestClient,
    method: str,
    url: str,
    headers: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> AsyncIterator[ResponseContextManager]:
    """The ``async with`` twin of :func:`rest`, for ``async def`` tasks."""
    response = await client.arequest(
        method, url, catch_response=True, headers=_json_headers(headers), **kwargs
    )
    with response:
        _parse_body(response)
        try:
            yield response
        except Exception as error:
            _fail_from(response, error)


def rest_url(url: str, name: str | None) -> tuple[str, str]:
    """``url`` with a cache-busting ``_=<epoch ms>`` parameter, and the name to report it as."""
    separator = "&" if "?" in url else "?"
    if name is None:
        name = f"{url}{separator}_=..."
    return f"{url}{separator}_={int(time.time() * 1000)}", name


@contextlib.contextmanager
def rest_(
    client: RestClient, method: str, url: str, name: str | None = None, **kwargs: Any
) -> Iterator[ResponseContextManager]:
    """:func:`rest` with ``_=<epoch ms>`` appended to the query, named ``url?_=...``."""
    busted, name = rest_url(url, name)
    with rest(client, method, busted, name=name, **kwargs) as response:
        yield response
