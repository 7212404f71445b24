"""horde's HTTP client: Locust's ``HttpSession`` and ``FastHttpSession`` on a purpose-built
HTTP/1.1 engine (asyncio ``Protocol`` + llhttp parser, keep-alive, TLS).

Example:
    >>> from horde.http import HttpSession
    >>> client = HttpSession("http://127.0.0.1:8080", environment.events.request)  # doctest: +SKIP
    >>> client.get("/health").status_code  # doctest: +SKIP
    200
"""

from horde.http._context import ResponseContextManager, fire_request_listeners
from horde.http._cookies import CookieJar
from horde.http._errors import (
    ChunkedEncodingError,
    ConnectionError,
    ConnectTimeout,
    ContentDecodingError,
    HTTPError,
    InvalidHeader,
    InvalidResponse,
    InvalidSchema,
    InvalidURL,
    JSONDecodeError,
    LocustBadStatusCode,
    MissingSchema,
    ProxyError,
    ReadTimeout,
    RequestException,
    ResponseTooLarge,
    SSLError,
    Timeout,
    TooManyRedirects,
)
from horde.http._fast import (
    VALID_STATUS_CODES,
    FastHttpSession,
    FastResponse,
    FastResponseContextManager,
)
from horde.http._headers import CaseInsensitiveDict
from horde.http._options import DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT
from horde.http._pool import ConnectionPool
from horde.http._response import PreparedRequest, Response
from horde.http._rest import RestResponseContextManager, arest, rest, rest_
from horde.http._session import HttpSession

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_TIMEOUT",
    "VALID_STATUS_CODES",
    "CaseInsensitiveDict",
    "ChunkedEncodingError",
    "ConnectTimeout",
    "ConnectionError",
    "ConnectionPool",
    "ContentDecodingError",
    "CookieJar",
    "FastHttpSession",
    "FastResponse",
    "FastResponseContextManager",
    "HTTPError",
    "HttpSession",
    "InvalidHeader",
    "InvalidResponse",
    "InvalidSchema",
    "InvalidURL",
    "JSONDecodeError",
    "LocustBadStatusCode",
    "MissingSchema",
    "PreparedRequest",
    "ProxyError",
    "ReadTimeout",
    "RequestException",
    "Response",
    "ResponseContextManager",
    "ResponseTooLarge",
    "RestResponseContextManager",
    "SSLError",
    "Timeout",
    "TooManyRedirects",
    "arest",
    "fire_request_listeners",
    "rest",
    "rest_",
]
