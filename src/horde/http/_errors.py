"""The HTTP client's exceptions: requests' own, by subclassing.

Locustfiles catch these by requests' names, from ``horde``/``locust`` or from
``requests.exceptions`` itself (``except requests.exceptions.HTTPError``, as under
Locust, whose HttpUser runs on requests): each is also the requests exception of its
name, and the tree follows requests'::

    HordeError
    └── RequestException                 root of every HTTP client error
        ├── HTTPError                    a 4xx/5xx status (raise_for_status)
        │   └── LocustBadStatusCode      FastHttpSession: a status outside its success set
        ├── ConnectionError              no usable connection, or it died before a response
        │   ├── ConnectTimeout           (also a Timeout) connecting took too long
        │   ├── SSLError                 the TLS handshake failed
        │   └── ProxyError               the proxy refused the tunnel
        ├── Timeout
        │   └── ReadTimeout              the server stopped sending for too long
        ├── TooManyRedirects
        ├── ChunkedEncodingError         the connection broke in the middle of the body
        ├── ContentDecodingError         a gzip/deflate/br body could not be decoded
        ├── ResponseTooLarge             the body is larger than ``max_body_size``
        ├── InvalidResponse              the server sent something that is not HTTP/1.x
        ├── InvalidHeader                a request header value cannot be sent
        ├── JSONDecodeError              ``response.json()`` on a body that is not JSON
        ├── InvalidURL                   raised into the task, never recorded
        ├── MissingSchema                raised into the task, never recorded
        └── InvalidSchema                raised into the task, never recorded

Errors raised by the server side (refused, reset, garbage, timeouts) never reach user
code: the request is recorded as a failure and the call returns a response with
``status_code == 0`` and the error in ``response.error``.
"""

from __future__ import annotations

import json
from typing import Any

import requests.exceptions as _requests

from horde.exceptions import HordeError

__all__ = [
    "ChunkedEncodingError",
    "ConnectTimeout",
    "ConnectionError",
    "ContentDecodingError",
    "HTTPError",
    "InvalidHeader",
    "InvalidResponse",
    "InvalidSchema",
    "InvalidURL",
    "JSONDecodeError",
    "LocustBadStatusCode",
    "MissingSchema",
    "ProxyError",
    "ReadTimeout",
    "RequestException",
    "ResponseTooLarge",
    "SSLError",
    "Timeout",
    "TooManyRedirects",
    "innermost_cause",
]


class RequestException(HordeError, _requests.RequestException):
    """Root of the HTTP client's errors.

    Args:
        *args: The message, as for any exception.
        response: The response that caused the error, when there was one.
        request: The request that failed.
    """

    response: Any
    request: Any  # horde's own requests and responses, which requests' types do not know

    def __init__(self, *args: object, response: Any = None, request: Any = None) -> None:
        super().__init__(*args)
        self.response = response
        self.request = request
        if request is None and response is not None:
            self.request = getattr(response, "request", None)


class HTTPError(RequestException, _requests.HTTPError):
    """The server answered with a 4xx or 5xx status."""


class LocustBadStatusCode(HTTPError):
    """FastHttpSession: the status code is not in the set it counts as success.

    Its ``repr`` leaves out the URL, so failures of one endpoint group together.

    Example:
        >>> LocustBadStatusCode("http://h/x", code=500)
        LocustBadStatusCode(code=500)
    """

    def __init__(self, url: str | None, code: int) -> None:
        super().__init__(url, code)
        self.url = url
        self.code = code

    def __repr__(self) -> str:
        return f"LocustBadStatusCode(code={self.code})"

    def __str__(self) -> str:
        return f"{self.url}: code={self.code}"


class ConnectionError(RequestException, _requests.ConnectionError):
    """No connection could be made, or it was lost before a complete response."""


class ProxyError(ConnectionError, _requests.ProxyError):
    """The proxy refused to open a tunnel to the target."""


class SSLError(ConnectionError, _requests.SSLError):
    """The TLS handshake failed (for instance, the certificate did not verify)."""


class Timeout(RequestException, _requests.Timeout):
    """The request timed out: catch this to handle both connect and read timeouts."""


class ConnectTimeout(ConnectionError, Timeout, _requests.ConnectTimeout):
    """Connecting to the server (including the TLS handshake) took too long."""


class ReadTimeout(Timeout, _requests.ReadTimeout):
    """The server sent nothing for longer than the read timeout."""


class TooManyRedirects(RequestException, _requests.TooManyRedirects):
    """More redirects than ``max_redirects`` (30 by default)."""


class ChunkedEncodingError(RequestException, _requests.ChunkedEncodingError):
    """The connection broke while the body was being received."""


class ContentDecodingError(RequestException, _requests.ContentDecodingError):
    """The body could not be decoded with its ``Content-Encoding``."""


class ResponseTooLarge(RequestException):
    """The body exceeded the session's ``max_body_size``; the connection was dropped."""


class InvalidResponse(RequestException):
    """The server sent bytes that are not a valid HTTP/1.x response."""


class InvalidHeader(RequestException, _requests.InvalidHeader):
    """A request header name or value cannot be sent (for instance, it holds a newline)."""


class InvalidURL(RequestException, _requests.InvalidURL):
    """The URL cannot be parsed, or has no host."""


class MissingSchema(RequestException, _requests.MissingSchema):
    """The URL has no ``http://`` or ``https://`` scheme (often: the host is not set)."""


class InvalidSchema(RequestException, _requests.InvalidSchema):
    """The URL's scheme is not one this client speaks (only http and https)."""


class JSONDecodeError(RequestException, _requests.JSONDecodeError, json.JSONDecodeError):
    """``response.json()`` was called on a body that is not valid JSON.

    It is also a :class:`json.JSONDecodeError`, so ``except ValueError`` and
    ``except json.JSONDecodeError`` both catch it.
    """

    def __init__(self, msg: str, doc: str, pos: int) -> None:
        json.JSONDecodeError.__init__(self, msg, doc, pos)
        self.response = None
        self.request = None

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.msg, self.doc, self.pos)


def innermost_cause(error: BaseException) -> BaseException:
    """The exception a connection error is recorded as: its innermost cause.

    Locust records ``ConnectionRefusedError(111, 'Connection refused')`` rather than the
    wrapping client error; timeouts stay as they are.

    Example:
        >>> try:
        ...     raise ConnectionError("x") from ConnectionRefusedError(111, "Connection refused")
        ... except ConnectionError as exc:
        ...     innermost_cause(exc)
        ConnectionRefusedError(111, 'Connection refused')
    """
    while (
        isinstance(error, ConnectionError)
        and not isinstance(error, Timeout)
        and error.__cause__ is not None
    ):
        error = error.__cause__
    return error
