"""``FastHttpSession``: Locust's ``FastHttpUser.client`` semantics on the same engine.

It differs from :class:`HttpSession` as Locust's geventhttpclient-based session does:
the stats name is the URL as given, only a fixed set of status codes counts as success
(others fail as ``LocustBadStatusCode(code=...)``), connection errors are the raw socket
errors, the event's ``url`` is the URL before redirects, TLS is not verified by default,
and ``json=`` also sets ``Accept: application/json``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from types import TracebackType
from typing import Any

from horde.http._client import Outcome
from horde.http._context import ResponseContextManager
from horde.http._errors import LocustBadStatusCode, innermost_cause
from horde.http._options import Options
from horde.http._pool import ConnectionPool
from horde.http._response import Response
from horde.http._session import SessionMethods
from horde.http._url import build_url
from horde.runtime import await_

__all__ = [
    "VALID_STATUS_CODES",
    "FastHttpSession",
    "FastResponse",
    "FastResponseContextManager",
]

VALID_STATUS_CODES = frozenset(
    (200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 301, 302, 303, 304, 307, 308)
)
"""The status codes FastHttpSession counts as success; anything else is a failure."""

_NO_CONTEXT: dict[str, Any] = {}


class FastResponse(Response):
    """A response with FastHttpUser's semantics.

    ``text`` is ``None`` when there is no body, ``url`` is the URL requested (before
    redirects), ``raise_for_status()`` raises only the stored error (a bad status is one),
    and ``ok`` is ``status_code < 400``.
    """

    __slots__ = ()

    @property
    def text(self) -> str | None:  # type: ignore[override]
        """The body as text, or ``None`` when the request got no response."""
        if self.content is None:
            return None
        return Response.text.fget(self)  # type: ignore[attr-defined, no-any-return]

    @property
    def ok(self) -> bool:
        """``status_code < 400``, as in Locust (so also true for a failed connection)."""
        return self.status_code < 400

    def raise_for_status(self) -> None:
        """Raise the error stored for this response (a bad status or a connection error)."""
        if self.error is not None:
            raise self.error


class FastResponseContextManager(ResponseContextManager, FastResponse):
    """The response FastHttpSession returns; a context manager with ``catch_response=True``."""

    __slots__ = ()

    def default_exception(self, name: str) -> BaseException | None:
        """The stored error: a ``LocustBadStatusCode`` or the raw connection error."""
        return self.error

    def __enter__(self) -> FastResponseContextManager:
        """Without ``catch_response``, a block that closes the response (as Locust's
        ``FastResponse`` allows: ``with client.get(url, stream=True) as response``)."""
        if not self._catch_response:
            return self
        super().__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if not self._catch_response:
            self.close()
            return False
        return super().__exit__(exc_type, exc, traceback)


def _json_headers(data: Any, json: Any, headers: Mapping[str, Any] | None) -> Any:
    if data or json is None:
        return headers
    result = dict(headers or {})
    present = {name.lower() for name in result}
    if "content-type" not in present:
        result["Content-Type"] = "application/json"
    if "accept" not in present:
        result["Accept"] = "application/json"
    return result


class FastHttpSession(SessionMethods):
    """Locust's ``FastHttpSession``: what ``FastHttpUser.client`` is.

    Example:
        >>> client = FastHttpSession("https://api.local", events.request, user)  # doctest: +SKIP
        >>> client.get("/items?page=1")  # doctest: +SKIP  (named "/items?page=1")

    Args:
        base_url: Prefix of relative URLs (the user's ``host``).
        request_event: The ``request`` hook to report to.
        user: The user whose ``context()`` is merged into each request's ``context``.
        insecure: Skip TLS verification (the default, as in Locust).
        client_pool: A :class:`ConnectionPool` shared between users (others are ignored).
        ssl_context_factory: A callable returning the ``SSLContext`` to use.
        network_timeout: Read timeout in seconds.
        connection_timeout: Connect timeout in seconds.
        max_redirects: Redirects followed before the request fails.
        headers: Headers added to every request (``FastHttpUser.default_headers``).
        proxy_host: An HTTP proxy for every request, with ``proxy_port``.
        proxy_port: The proxy's port.
        **kwargs: Accepted for compatibility (``max_retries``, ``concurrency``) or passed
            on to the engine (``max_body_size``).
    """

    response_class = FastResponseContextManager

    def __init__(  # noqa: PLR0917 - Locust's signature
        self,
        base_url: str | None,
        request_event: Any,
        user: Any = None,
        insecure: bool = True,
        client_pool: Any = None,
        ssl_context_factory: Any = None,
        *,
        network_timeout: float = 60.0,
        connection_timeout: float = 60.0,
        max_redirects: int = 30,
        headers: Mapping[str, Any] | None = None,
        proxy_host: str | None = None,
        proxy_port: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("max_retries", None)
        kwargs.pop("concurrency", None)
        verify = ssl_context_factory() if ssl_context_factory is not None else not insecure
        proxies = None
        if proxy_host:
            proxy = f"http://{proxy_host}:{proxy_port or 80}"
            proxies = {"http": proxy, "https": proxy}
        super().__init__(
            base_url,
            request_event,
            user,
            timeout=(connection_timeout, network_timeout),
            max_redirects=max_redirects,
            verify=verify,
            proxies=proxies,
            trust_env=False,
            pool=client_pool if isinstance(client_pool, ConnectionPool) else None,
            **kwargs,
        )
        if headers:
            self.headers.update(headers)

    def default_headers(self) -> dict[str, str]:
        """``User-Agent`` and ``Accept-Encoding: gzip, deflate`` (plus ``br`` if decodable)."""
        headers = super().default_headers()
        return {"User-Agent": headers["User-Agent"], "Accept-Encoding": headers["Accept-Encoding"]}

    @property
    def cookiejar(self) -> Any:
        """Locust's name for :attr:`cookies`."""
        return self.cookies

    def request(  # noqa: PLR0917 - Locust's signature
        self,
        method: str,
        url: str,
        name: str | None = None,
        data: Any = None,
        catch_response: bool = False,
        stream: bool = False,
        headers: Mapping[str, Any] | None = None,
        auth: Any = None,
        json: Any = None,
        allow_redirects: bool = True,
        context: dict[str, Any] = _NO_CONTEXT,
        *,
        params: Any = None,
        files: Any = None,
        cookies: Any = None,
        timeout: Any = None,
        verify: Any = None,
        cert: Any = None,
        proxies: Mapping[str, str | None] | None = None,
        hooks: Mapping[str, Any] | None = None,
    ) -> ResponseContextManager:
        """Send a request from synchronous user code and record it (Locust's signature).

        ``json=`` is used only when ``data`` is empty, and then also defaults
        ``Content-Type`` and ``Accept`` to ``application/json``. Other arguments are as
        for :meth:`HttpSession.request`.

        Raises:
            MissingSchema, InvalidSchema, InvalidURL: The URL cannot be requested.
        """
        headers = _json_headers(data, json, headers)
        options = self.resolve_options(timeout, allow_redirects, verify, stream, cert, proxies)
        outcome = await_(
            self.perform(method, url, options, params, data, json, files, headers, cookies, auth)
        )
        return self.finish(method, url, outcome, name, catch_response, context, hooks, options)

    async def arequest(  # noqa: PLR0917 - the same signature as request()
        self,
        method: str,
        url: str,
        name: str | None = None,
        data: Any = None,
        catch_response: bool = False,
        stream: bool = False,
        headers: Mapping[str, Any] | None = None,
        auth: Any = None,
        json: Any = None,
        allow_redirects: bool = True,
        context: dict[str, Any] = _NO_CONTEXT,
        *,
        params: Any = None,
        files: Any = None,
        cookies: Any = None,
        timeout: Any = None,  # noqa: ASYNC109 - requests' argument, not an asyncio timeout
        verify: Any = None,
        cert: Any = None,
        proxies: Mapping[str, str | None] | None = None,
        hooks: Mapping[str, Any] | None = None,
    ) -> ResponseContextManager:
        """Awaitable :meth:`request`, for ``async def`` tasks."""
        headers = _json_headers(data, json, headers)
        options = self.resolve_options(timeout, allow_redirects, verify, stream, cert, proxies)
        outcome = await self.perform(
            method, url, options, params, data, json, files, headers, cookies, auth
        )
        return self.finish(method, url, outcome, name, catch_response, context, hooks, options)

    def finish(  # noqa: PLR0917 - once per request: positional arguments are cheaper
        self,
        method: str,
        url: str,
        outcome: Outcome,
        name: str | None,
        catch_response: bool,
        context: dict[str, Any],
        hooks: Mapping[str, Any] | None,
        options: Options,
    ) -> ResponseContextManager:
        """Store FastHttp's error on the response, then report as usual."""
        response = outcome[0]
        first = response.history[0] if response.history else response
        if first.request is not None:
            response.url = first.request.url
        if response.error is not None:
            response.error = innermost_cause(response.error)
        elif response.status_code not in VALID_STATUS_CODES:
            built = build_url(self.base_url, url)
            response.error = LocustBadStatusCode(built, code=response.status_code)
        return super().finish(method, url, outcome, name, catch_response, context, hooks, options)

    def default_name(self, url: str, response: Response) -> str:
        """The URL exactly as given (absolute URLs keep scheme and host)."""
        return url

    def event_url(self, url: str, response: Response) -> str:
        """The URL built from ``base_url`` and ``url``, before any redirect."""
        return build_url(self.base_url, url)

    def iter_lines(self, url: str, method: str = "GET", **kwargs: Any) -> Iterator[str]:
        """Stream a response and yield its text line by line (without the ``\\n``).

        Raises:
            RequestException: The request failed (bad status or connection error).
        """
        response = self.request(method, url, stream=True, **kwargs)
        response.raise_for_status()
        buffer = ""
        for chunk in response.iter_content(chunk_size=1024, decode_unicode=True):
            buffer += chunk
            while "\n" in buffer:
                line, buffer = buffer.split("\n", 1)
                yield line
        if buffer:
            yield buffer

    async def aiter_lines(self, url: str, method: str = "GET", **kwargs: Any) -> AsyncIterator[str]:
        """Awaitable twin of :meth:`iter_lines`."""
        response = await self.arequest(method, url, stream=True, **kwargs)
        response.raise_for_status()
        buffer = b""
        async for chunk in response.aiter_content(1024):
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                yield line.decode("utf-8", errors="replace")
        if buffer:
            yield buffer.decode("utf-8", errors="replace")
