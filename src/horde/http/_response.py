"""Requests and responses as user code sees them (the ``requests`` attribute names).

A response is built for every request, so construction only stores what arrived;
headers, text, cookies and the like are computed on first use.
"""

from __future__ import annotations

import codecs
import datetime
import json as jsonlib
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any

from requests.utils import parse_header_links

from horde.exceptions import LocustError
from horde.http._cookies import CookieJar
from horde.http._decode import Decoder
from horde.http._errors import HTTPError, InvalidHeader, JSONDecodeError, ResponseTooLarge
from horde.http._headers import (
    CaseInsensitiveDict,
    HeaderSnapshot,
    Overrides,
    header_value,
    merge_headers,
    render_headers,
)
from horde.http._stream import StreamReader
from horde.http._url import Target
from horde.runtime import await_

__all__ = ["REDIRECT_STATUSES", "PreparedRequest", "Response", "http_error"]

REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
_NO_HEADERS = HeaderSnapshot(())
_NOT_CATCHING = (
    "If you want to change the state of the request, you must pass catch_response=True. "
    "See http://docs.locust.io/en/stable/writing-a-locustfile.html#validating-responses"
)


_NO_BODY_METHODS = frozenset(("GET", "HEAD"))
# Requests rendered per session (per user): enough for the few URLs a user repeats, and
# a bound on memory when the URLs never repeat (ids in the path).
_WIRE_CACHE_SIZE = 32


class PreparedRequest:
    """The request as sent: ``method``, ``url``, ``headers``, ``body``, ``path_url``."""

    __slots__ = ("_headers", "base", "body", "cookies", "method", "overrides", "target")

    def __init__(
        self,
        method: str,
        target: Target,
        base: HeaderSnapshot,
        overrides: Overrides | None,
        body: bytes | None,
    ) -> None:
        self.method = method
        """The method as sent (upper case)."""
        self.target = target
        self.base = base
        """The session's headers when the request was made."""
        self.overrides = overrides
        """This request's own headers over :attr:`base` (``None`` value: header removed)."""
        self.body = body
        self.cookies: CookieJar | None = None
        """Cookies given to this request only (``cookies=``)."""
        self._headers: CaseInsensitiveDict | None = None

    @property
    def url(self) -> str:
        """The full URL."""
        return self.target.url

    @property
    def path_url(self) -> str:
        """Path and query, as on the request line."""
        return self.target.path_url

    @property
    def headers(self) -> CaseInsensitiveDict:
        """The headers sent (``Host`` and ``Content-Length`` are added on the wire)."""
        if self._headers is None:
            self._headers = CaseInsensitiveDict(merge_headers(self.base, self.overrides))
        return self._headers

    def adopt_headers(self) -> None:
        """Take :attr:`headers` as edited by user code (an auth callable) as the headers to send."""
        if self._headers is not None:
            self.overrides = {
                name.lower(): (name, header_value(name, value))
                for name, value in self._headers.items()
                if value is not None
            }
            self.base = _NO_HEADERS

    def wire(self, overrides: Overrides | None, absolute_form: bool = False) -> bytes:
        """The request as bytes: request line, headers, blank line, body.

        Args:
            overrides: The headers over :attr:`base` for this hop (cookies added).
            absolute_form: Put the full URL on the request line (to an HTTP proxy).

        Raises:
            InvalidHeader: A header value cannot be encoded in latin-1.
        """
        target = self.target
        if overrides is None and self.body is None and not absolute_form:
            # Nothing but the method and URL varies: render once per session snapshot.
            cache = self.base.wire_cache
            # A string, not a tuple: the collector does not track strings, so a cache
            # filling with new URLs does not make it run (and walk every user) sooner.
            key = f"{self.method} {target.host_header} {target.path_url}"
            data = cache.get(key)
            if data is None:
                if len(cache) >= _WIRE_CACHE_SIZE:
                    cache.clear()  # URLs that never repeat (ids in the path)
                data = cache[key] = self._render(None, False)
            return data
        return self._render(overrides, absolute_form)

    def _render(self, overrides: Overrides | None, absolute_form: bool) -> bytes:
        target = self.target
        body = self.body
        if body is not None:
            length = f"Content-Length: {len(body)}\r\n"
        elif self.method in _NO_BODY_METHODS:
            length = ""
        else:
            length = "Content-Length: 0\r\n"
        base = self.base
        if "host" in base.lower or (overrides is not None and "host" in overrides):
            host = ""
        else:
            host = f"Host: {target.host_header}\r\n"
        line_target = target.url if absolute_form else target.path_url
        head = (
            f"{self.method} {line_target} HTTP/1.1\r\n{host}"
            f"{render_headers(base, overrides)}{length}\r\n"
        )
        try:
            data = head.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise InvalidHeader(f"Header values must be latin-1 encodable ({exc})") from None
        return data + body if body else data

    def __repr__(self) -> str:
        return f"<PreparedRequest [{self.method}]>"


def http_error(response: Response, url: str) -> HTTPError | None:
    """requests' ``raise_for_status`` error for a 4xx/5xx status, naming ``url``.

    Example:
        >>> r = Response(500, b"Internal Server Error", [], b"", None, "http://h/fail")
        >>> http_error(r, "/fail")
        HTTPError('500 Server Error: Internal Server Error for url: /fail')
    """
    status = response.status_code
    if 400 <= status < 500:
        kind = "Client"
    elif 500 <= status < 600:
        kind = "Server"
    else:
        return None
    return HTTPError(f"{status} {kind} Error: {response.reason} for url: {url}", response=response)


class Response:
    """An HTTP response, with the attributes and methods of ``requests.Response``.

    A request that failed without a response (refused, reset, timed out, garbage) still
    returns one: ``status_code`` is 0, ``content`` is ``None`` and ``error`` says why.

    Example:
        >>> headers = [(b"Content-Type", b"application/json")]
        >>> r = Response(200, b"OK", headers, b'{"a": 1}', None, "http://h/")
        >>> r.ok, r.headers["content-type"], r.json()
        (True, 'application/json', {'a': 1})
    """

    __slots__ = (
        "_catch_response",
        "_content",
        "_cookies",
        "_decoder",
        "_elapsed",
        "_encoding",
        "_entered",
        "_headers",
        "_limit",
        "_manual_result",
        "_raw_headers",
        "_reason",
        "_request_event",
        "_request_meta",
        "_stream",
        "error",
        "history",
        "js",
        "request",
        "status_code",
        "url",
    )

    def __init__(  # noqa: PLR0917 - one per request: positional arguments are cheaper
        self,
        status_code: int,
        reason: bytes,
        raw_headers: list[tuple[bytes, bytes]],
        content: bytes | None,
        request: PreparedRequest | None,
        url: str,
        error: BaseException | None = None,
    ) -> None:
        self.status_code = status_code
        """The HTTP status, or 0 when no response was received."""
        self._reason = reason
        self._raw_headers = raw_headers
        self._content = content
        self.request = request
        """The :class:`PreparedRequest` that was sent."""
        self.url = url
        """The URL of this response (the last one, after redirects)."""
        self.error = error
        """Why there is no response (``status_code == 0``), else ``None``."""
        self.history: list[Response] = []
        """The redirect responses that led here, oldest first."""
        self.js: Any = None
        """The parsed JSON body inside a ``rest()`` block."""
        self._headers: CaseInsensitiveDict | None = None
        self._encoding: str | bool | None = False  # False: not looked up yet
        self._cookies: CookieJar | None = None
        self._elapsed = 0.0
        self._stream: StreamReader | None = None
        self._decoder: Decoder | None = None
        self._limit = 0
        self._catch_response = False
        self._entered = False
        self._manual_result: bool | BaseException | None = None
        self._request_event: Any = None
        self._request_meta: dict[str, Any] | None = None

    @classmethod
    def from_error(
        cls, request: PreparedRequest | None, url: str, error: BaseException
    ) -> Response:
        """The stand-in response of a request that got no response."""
        return cls(0, b"", [], None, request, url, error)

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"

    def __bool__(self) -> bool:
        return self.ok

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_content(128)

    # Status ----------------------------------------------------------------------

    @property
    def reason(self) -> str:
        """The reason phrase (``"Not Found"``)."""
        try:
            return self._reason.decode()
        except UnicodeDecodeError:
            return self._reason.decode("latin-1")

    @property
    def ok(self) -> bool:
        """Whether :meth:`raise_for_status` would not raise."""
        try:
            self.raise_for_status()
        except Exception:
            return False
        return True

    @property
    def is_redirect(self) -> bool:
        """A redirect status with a ``Location`` header."""
        return self.status_code in REDIRECT_STATUSES and "location" in self.headers

    @property
    def is_permanent_redirect(self) -> bool:
        """A 301 or 308 with a ``Location`` header."""
        return self.status_code in (301, 308) and "location" in self.headers

    def raise_for_status(self) -> None:
        """Raise the connection error, or an :class:`HTTPError` for a 4xx/5xx status."""
        if self.error is not None:
            raise self.error
        error = http_error(self, self.url)
        if error is not None:
            raise error

    # Headers, cookies, timing ----------------------------------------------------

    @property
    def headers(self) -> CaseInsensitiveDict:
        """Response headers; a repeated header's values are joined with ``", "``."""
        headers = self._headers
        if headers is None:
            headers = self._headers = CaseInsensitiveDict()
            store = headers._store
            for raw_name, raw_value in self._raw_headers:
                name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
                lower = name.lower()
                if lower in store:
                    value = f"{store[lower][1]}, {value}"
                store[lower] = (name, value)
        return headers

    @property
    def links(self) -> dict[str, dict[str, str]]:
        """The ``Link`` header's links by their ``rel`` (or URL), as requests gives them."""
        header = self.headers.get("link")
        if not header:
            return {}
        return {link.get("rel") or link["url"]: link for link in parse_header_links(header)}

    @property
    def cookies(self) -> CookieJar:
        """The cookies this response set."""
        if self._cookies is None:
            self._cookies = CookieJar()
        return self._cookies

    @property
    def elapsed(self) -> datetime.timedelta:
        """Time from sending this request until its response was complete."""
        return datetime.timedelta(seconds=self._elapsed)

    @property
    def raw(self) -> None:
        """Not available: there is no urllib3 response underneath."""
        return None

    # Body --------------------------------------------------------------------------

    @property
    def encoding(self) -> str | None:
        """The charset of ``text``: the ``Content-Type`` charset (UTF-8 for JSON, as in
        requests) unless set by user code."""
        encoding = self._encoding
        if encoding is False:
            encoding = self._encoding = _charset(self.headers.get("content-type"))
        return encoding if isinstance(encoding, str) else None

    @encoding.setter
    def encoding(self, value: str | None) -> None:
        self._encoding = value

    @property
    def apparent_encoding(self) -> str:
        """The encoding assumed when the headers name none."""
        return "utf-8"

    @property
    def content(self) -> bytes | None:
        """The (decoded) body; ``None`` when the request failed without a response."""
        if self._stream is not None:
            self._content = await_(self.aread())
        return self._content

    @property
    def text(self) -> str:
        """The body as text, in :attr:`encoding` (UTF-8 when none), bad bytes replaced."""
        content = self.content
        if not content:
            return ""
        try:
            return content.decode(self.encoding or "utf-8", errors="replace")
        except LookupError:
            return content.decode("utf-8", errors="replace")

    def json(self, **kwargs: Any) -> Any:
        """The body parsed as JSON.

        Raises:
            JSONDecodeError: The body is not JSON (also a ``json.JSONDecodeError``).
        """
        try:
            if (self.encoding or "utf-8").lower() in _JSON_DETECTED:
                try:  # UTF-8, -16 or -32, as the JSON standard has it
                    return jsonlib.loads(self.content or b"", **kwargs)
                except UnicodeDecodeError:
                    pass  # not text at all: read as requests does, bad bytes replaced
            return jsonlib.loads(self.text, **kwargs)
        except jsonlib.JSONDecodeError as exc:
            raise JSONDecodeError(exc.msg, exc.doc, exc.pos) from exc

    async def aread(self) -> bytes:
        """Read the rest of a ``stream=True`` body (the awaitable twin of ``content``)."""
        if self._stream is None:
            return self._content or b""
        parts = []
        size = 0
        while chunk := await self._next_chunk():
            size += len(chunk)
            if size > self._limit:
                self.close()
                raise ResponseTooLarge(f"Response body exceeds {self._limit} bytes")
            parts.append(chunk)
        self._content = b"".join(parts)
        return self._content

    async def _next_chunk(self) -> bytes:
        """The next decoded piece of a streamed body, ``b""`` at its end."""
        stream = self._stream
        if stream is None:
            return b""
        decoder = self._decoder
        while chunk := await stream.read_chunk():
            if decoder is None:
                return chunk
            if decoded := decoder.decompress(chunk):
                return decoded
        self._stream = None
        return decoder.flush() if decoder is not None else b""

    def iter_content(
        self, chunk_size: int | None = 1, decode_unicode: bool = False
    ) -> Iterator[Any]:
        """The body in pieces of up to ``chunk_size`` bytes, as they arrive when streamed."""
        decoder = _text_decoder(self.encoding) if decode_unicode else None
        for piece in self._pieces(chunk_size):
            yield decoder.decode(piece) if decoder is not None else piece
        if decoder is not None and (tail := decoder.decode(b"", final=True)):
            yield tail

    def _pieces(self, chunk_size: int | None) -> Iterator[bytes]:
        if self._stream is None:
            yield from _slices(self._content or b"", chunk_size)
            return
        while chunk := await_(self._next_chunk()):
            yield from _slices(chunk, chunk_size)

    async def aiter_content(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The awaitable twin of :meth:`iter_content` (bytes only)."""
        if self._stream is None:
            for piece in _slices(self._content or b"", chunk_size):
                yield piece
            return
        while chunk := await self._next_chunk():
            for piece in _slices(chunk, chunk_size):
                yield piece

    def iter_lines(
        self, chunk_size: int = 512, decode_unicode: bool = False, delimiter: Any = None
    ) -> Iterator[Any]:
        """The body line by line (without line endings), as requests splits it."""
        pending = None
        for piece in self.iter_content(chunk_size=chunk_size, decode_unicode=decode_unicode):
            chunk = piece if pending is None else pending + piece
            lines = chunk.split(delimiter) if delimiter else chunk.splitlines()
            if lines and lines[-1] and chunk and lines[-1][-1] == chunk[-1]:
                pending = lines.pop()
            else:
                pending = None
            yield from lines
        if pending is not None:
            yield pending

    def close(self) -> None:
        """Release the connection; an unread streamed body is dropped with it."""
        stream, self._stream = self._stream, None
        if stream is not None and not stream.done:
            stream.abandon()

    # Context-manager protocol of requests (closing); catch_response overrides it ---------

    def __enter__(self) -> Response:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        self.close()
        return None

    def success(self) -> None:
        """Only available with ``catch_response=True``.

        Raises:
            LocustError: Always, explaining the ``catch_response=True`` requirement.
        """
        raise LocustError(_NOT_CATCHING)

    def failure(self, exc: Any = None) -> None:
        """Only available with ``catch_response=True``.

        Raises:
            LocustError: Always, explaining the ``catch_response=True`` requirement.
        """
        raise LocustError(_NOT_CATCHING)


# A body in these (or none named) is parsed from its bytes, which JSON's own detection
# reads as UTF-8, -16 or -32.
_JSON_DETECTED = frozenset({"utf-8", "utf8"})


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    kind, *params = content_type.split(";")
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("'\"") or None
    return "utf-8" if kind.strip().lower() == "application/json" else None


def _text_decoder(encoding: str | None) -> codecs.IncrementalDecoder:
    try:
        return codecs.getincrementaldecoder(encoding or "utf-8")(errors="replace")
    except LookupError:
        return codecs.getincrementaldecoder("utf-8")(errors="replace")


def _slices(data: bytes, size: int | None) -> Iterator[bytes]:
    if not size or len(data) <= size:
        if data:
            yield data
        return
    for start in range(0, len(data), size):
        yield data[start : start + size]
