"""``HttpSession``: Locust's ``HttpUser.client``, with requests' API, on horde's client.

Synchronous methods (``get``, ``post``...) are for locustfile code running in a user
greenlet; each has an awaitable twin (``aget``, ``apost``...) for ``async def`` tasks.
Both record the request the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from horde.http._client import BaseSession
from horde.http._context import ResponseContextManager
from horde.http._pool import ConnectionPool
from horde.http._rest import arest, rest, rest_
from horde.runtime import await_

__all__ = ["HttpSession", "SessionMethods"]

_NO_CONTEXT: dict[str, Any] = {}


class SessionMethods(BaseSession):
    """The per-method shortcuts, sync and async, shared by both sessions."""

    def request(self, *args: Any, **kwargs: Any) -> ResponseContextManager:
        """Send a request (implemented by each session)."""
        raise NotImplementedError

    async def arequest(self, *args: Any, **kwargs: Any) -> ResponseContextManager:
        """Send a request from async code (implemented by each session)."""
        raise NotImplementedError

    def get(self, url: str, **kwargs: Any) -> ResponseContextManager:
        """Send a GET request; arguments as for :meth:`request`."""
        return self.request("GET", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> ResponseContextManager:
        """Send an OPTIONS request; arguments as for :meth:`request`."""
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> ResponseContextManager:
        """Send a HEAD request; arguments as for :meth:`request`."""
        return self.request("HEAD", url, **kwargs)

    def post(
        self, url: str, data: Any = None, json: Any = None, **kwargs: Any
    ) -> ResponseContextManager:
        """Send a POST request with a form/raw ``data`` body or a ``json`` body."""
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: str, data: Any = None, **kwargs: Any) -> ResponseContextManager:
        """Send a PUT request; arguments as for :meth:`request`."""
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url: str, data: Any = None, **kwargs: Any) -> ResponseContextManager:
        """Send a PATCH request; arguments as for :meth:`request`."""
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> ResponseContextManager:
        """Send a DELETE request; arguments as for :meth:`request`."""
        return self.request("DELETE", url, **kwargs)

    async def aget(self, url: str, **kwargs: Any) -> ResponseContextManager:
        """Awaitable :meth:`get`."""
        return await self.arequest("GET", url, **kwargs)

    async def aoptions(self, url: str, **kwargs: Any) -> ResponseContextManager:
        """Awaitable :meth:`options`."""
        return await self.arequest("OPTIONS", url, **kwargs)

    async def ahead(self, url: str, **kwargs: Any) -> ResponseContextManager:
        """Awaitable :meth:`head`."""
        return await self.arequest("HEAD", url, **kwargs)

    async def apost(
        self, url: str, data: Any = None, json: Any = None, **kwargs: Any
    ) -> ResponseContextManager:
        """Awaitable :meth:`post`."""
        return await self.arequest("POST", url, data=data, json=json, **kwargs)

    async def aput(self, url: str, data: Any = None, **kwargs: Any) -> ResponseContextManager:
        """Awaitable :meth:`put`."""
        return await self.arequest("PUT", url, data=data, **kwargs)

    async def apatch(self, url: str, data: Any = None, **kwargs: Any) -> ResponseContextManager:
        """Awaitable :meth:`patch`."""
        return await self.arequest("PATCH", url, data=data, **kwargs)

    async def adelete(self, url: str, **kwargs: Any) -> ResponseContextManager:
        """Awaitable :meth:`delete`."""
        return await self.arequest("DELETE", url, **kwargs)

    def rest(
        self, method: str, url: str, headers: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> contextlib.AbstractContextManager[ResponseContextManager]:
        """A JSON request in a ``with`` block, its body parsed into ``response.js``.

        Example:
            >>> with self.client.rest("GET", "/api/user") as response:  # doctest: +SKIP
            ...     assert response.js["name"] == "alice", "unexpected user,"
        """
        return rest(self, method, url, headers, **kwargs)

    def rest_(
        self, method: str, url: str, name: str | None = None, **kwargs: Any
    ) -> contextlib.AbstractContextManager[ResponseContextManager]:
        """:meth:`rest` with a cache-busting ``_=<epoch ms>`` query parameter."""
        return rest_(self, method, url, name, **kwargs)

    def arest(
        self, method: str, url: str, headers: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> contextlib.AbstractAsyncContextManager[ResponseContextManager]:
        """``async with`` twin of :meth:`rest`."""
        return arest(self, method, url, headers, **kwargs)


class HttpSession(SessionMethods):
    """Locust's ``HttpSession``: a requests-like session that records every request.

    Relative URLs are appended to ``base_url`` as plain strings; ``user:pass@`` in
    ``base_url`` becomes Basic auth. Cookies persist across requests. Each request is
    reported once through ``request_event`` (with ``catch_response=True``, when its
    ``with`` block ends).

    Example:
        >>> client = HttpSession("http://shop.local", events.request, user)  # doctest: +SKIP
        >>> client.headers.update({"Authorization": "Bearer secret"})  # doctest: +SKIP
        >>> response = client.get("/products", params={"page": 2})  # doctest: +SKIP
        >>> response.status_code, response.json()  # doctest: +SKIP

    Args:
        base_url: Prefix of relative URLs (the user's ``host``).
        request_event: The ``request`` hook to report to.
        user: The user whose ``context()`` is merged into each request's ``context``.
        pool_manager: A :class:`ConnectionPool` to share between sessions (anything else,
            such as a urllib3 pool manager from a locustfile, is ignored).
        **kwargs: ``timeout`` (default 60 s connect and read), ``max_body_size``,
            ``max_redirects``, ``verify``, ``cert``, ``proxies``, ``trust_env``.
    """

    def __init__(
        self,
        base_url: str | None,
        request_event: Any,
        user: Any = None,
        *,
        pool_manager: Any = None,
        **kwargs: Any,
    ) -> None:
        pool = pool_manager if isinstance(pool_manager, ConnectionPool) else None
        super().__init__(base_url, request_event, user, pool=pool, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        name: str | None = None,
        catch_response: bool = False,
        context: dict[str, Any] = _NO_CONTEXT,
        *,
        params: Any = None,
        data: Any = None,
        json: Any = None,
        files: Any = None,
        headers: Mapping[str, Any] | None = None,
        cookies: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = True,
        verify: Any = None,
        stream: bool | None = None,
        cert: Any = None,
        proxies: Mapping[str, str | None] | None = None,
        hooks: Mapping[str, Any] | None = None,
    ) -> ResponseContextManager:
        """Send a request from synchronous user code and record it.

        Args:
            method: The HTTP method; recorded exactly as given (``"get"`` stays ``get``).
            url: A path appended to ``base_url``, or an absolute ``http(s)://`` URL.
            name: The stats name; by default ``request_name``, else the path and query.
            catch_response: Return a context manager in which ``success()``/``failure()``
                decide the outcome; the request is reported when the block ends.
            context: Merged over ``user.context()`` into the event's ``context``.
            params: Query parameters (dict, list of pairs or string).
            data: Form fields (dict or pairs), or a raw ``str``/``bytes``/file body.
            json: A value sent as a JSON body (when ``data`` is empty).
            files: ``{"field": file}`` or ``{"field": ("name.txt", content, "text/plain")}``.
            headers: Headers over the session's (``None`` removes one).
            cookies: Cookies for this request only.
            auth: ``(user, password)`` for Basic auth, or a requests-style auth callable.
            timeout: Seconds, or ``(connect, read)``; default the session's (60 s).
            allow_redirects: Follow redirects (up to ``max_redirects``).
            verify: TLS verification: ``True``, ``False`` or a CA bundle path.
            stream: Return once the headers are in; read the body with ``iter_content``.
            cert: Client certificate: a PEM path, or ``(cert, key)`` paths.
            proxies: ``{"http": url, "https": url}`` over the session's.
            hooks: ``{"response": callable}``, called with the final response.

        Returns:
            The response (with ``status_code == 0`` and ``error`` set if none came back).

        Raises:
            MissingSchema, InvalidSchema, InvalidURL: The URL cannot be requested.
        """
        options = self.resolve_options(timeout, allow_redirects, verify, stream, cert, proxies)
        outcome = await_(
            self.perform(method, url, options, params, data, json, files, headers, cookies, auth)
        )
        return self.finish(method, url, outcome, name, catch_response, context, hooks, options)

    async def arequest(
        self,
        method: str,
        url: str,
        name: str | None = None,
        catch_response: bool = False,
        context: dict[str, Any] = _NO_CONTEXT,
        *,
        params: Any = None,
        data: Any = None,
        json: Any = None,
        files: Any = None,
        headers: Mapping[str, Any] | None = None,
        cookies: Any = None,
        auth: Any = None,
        timeout: Any = None,  # noqa: ASYNC109 - requests' argument, not an asyncio timeout
        allow_redirects: bool = True,
        verify: Any = None,
        stream: bool | None = None,
        cert: Any = None,
        proxies: Mapping[str, str | None] | None = None,
        hooks: Mapping[str, Any] | None = None,
    ) -> ResponseContextManager:
        """Awaitable :meth:`request`, for ``async def`` tasks (same arguments and recording).

        Example:
            >>> response = await self.client.arequest("GET", "/health")  # doctest: +SKIP
        """
        options = self.resolve_options(timeout, allow_redirects, verify, stream, cert, proxies)
        outcome = await self.perform(
            method, url, options, params, data, json, files, headers, cookies, auth
        )
        return self.finish(method, url, outcome, name, catch_response, context, hooks, options)

    def head(self, url: str, **kwargs: Any) -> ResponseContextManager:
        """Send a HEAD request; redirects are not followed unless ``allow_redirects=True``."""
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", url, **kwargs)

    async def ahead(self, url: str, **kwargs: Any) -> ResponseContextManager:
        """Awaitable :meth:`head`."""
        kwargs.setdefault("allow_redirects", False)
        return await self.arequest("HEAD", url, **kwargs)
