"""The engine under both sessions: prepare a request, send it (following redirects), report it.

``HttpSession`` and ``FastHttpSession`` differ only in naming, success rules and
defaults; everything that touches the wire is here, written for the hot path:

* the session's headers are rendered once and reused until they change;
* cookies, auth, proxies and content decoding cost nothing when unused;
* ``time.time()`` is taken once per request, ``perf_counter()`` once; each hop ends when
  its response's last bytes arrived (the kernel's stamp on a plain connection, see
  ``_socket.py``; else its read, before the waiting coroutine resumes).
"""

from __future__ import annotations

import contextlib
import ssl
import time
from collections.abc import Awaitable, Iterator, Mapping
from typing import Any

from horde.event import RequestHook
from horde.http._connection import RawResponse
from horde.http._context import ResponseContextManager, report_request
from horde.http._cookies import CookieJar, cookie_header, extract_cookies
from horde.http._decode import accept_encoding, decode_body, make_decoder
from horde.http._errors import (
    InvalidSchema,
    InvalidURL,
    MissingSchema,
    RequestException,
    TooManyRedirects,
)
from horde.http._headers import CaseInsensitiveDict, HeaderSnapshot
from horde.http._options import (
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_TIMEOUT,
    Options,
    Timeout,
    split_credentials,
    user_agent,
)
from horde.http._pool import ConnectionPool
from horde.http._prepare import prepare_request, with_header
from horde.http._proxy import basic_auth, environment_proxies, proxy_authorization, select_proxy
from horde.http._redirects import redirect_request
from horde.http._response import REDIRECT_STATUSES, PreparedRequest, Response
from horde.http._tls import client_context
from horde.http._url import Target, build_url, parse_target, with_params

__all__ = ["BaseSession", "Outcome"]

_URL_ERRORS = (InvalidURL, MissingSchema, InvalidSchema)
_EMPTY: dict[str, Any] = {}

Outcome = tuple[ResponseContextManager, float, float]
"""What a request produced: ``(response, start_time, response_time_ms)``."""


class BaseSession:
    """Shared state and engine of :class:`HttpSession` and :class:`FastHttpSession`."""

    response_class: type[ResponseContextManager] = ResponseContextManager
    with_brotli = True

    def __init__(
        self,
        base_url: str | None,
        request_event: Any,
        user: Any = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        max_redirects: int = 30,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str | None] | None = None,
        trust_env: bool = True,
        pool: ConnectionPool | None = None,
    ) -> None:
        self.base_url, self.auth = split_credentials(base_url)
        self.request_event = request_event
        self.user = user
        self.request_name: str | None = None
        """Used as the name of requests made without ``name=`` (see :meth:`rename_request`)."""
        self.headers = CaseInsensitiveDict(self.default_headers())
        self._cookies = CookieJar()
        self.timeout = timeout
        self.max_body_size = max_body_size
        self.max_redirects = max_redirects
        self.verify = verify
        self.cert = cert
        self.proxies: dict[str, str | None] = dict(proxies or {})
        self.trust_env = trust_env
        self.stream = False
        self.params: dict[str, Any] = {}
        self.hooks: dict[str, list[Any]] = {"response": []}
        self._pool = pool if pool is not None else ConnectionPool()
        self._env_proxies: dict[str, str] | None = None
        self._basic_auth: tuple[Any, str] | None = None
        self._default_options: tuple[tuple[Any, ...], Options] | None = None

    def default_headers(self) -> dict[str, str]:
        """The headers a new session starts with (and that ``headers`` may change)."""
        return {
            "User-Agent": user_agent(),
            "Accept-Encoding": accept_encoding(with_brotli=self.with_brotli),
            "Accept": "*/*",
            "Connection": "keep-alive",
        }

    @property
    def cookies(self) -> CookieJar:
        """The session's cookies, sent with every request they match."""
        return self._cookies

    @cookies.setter
    def cookies(self, value: Mapping[str, str] | CookieJar) -> None:
        jar = CookieJar()
        jar.update(value)
        self._cookies = jar

    @property
    def pool(self) -> ConnectionPool:
        """The session's keep-alive connections."""
        return self._pool

    @contextlib.contextmanager
    def rename_request(self, name: str) -> Iterator[None]:
        """Name every request made in the block ``name`` (unless it has its own ``name=``).

        Example:
            >>> with session.rename_request("/item/[id]"):  # doctest: +SKIP
            ...     for item_id in range(10):
            ...         session.get(f"/item/{item_id}")
        """
        self.request_name = name
        try:
            yield
        finally:
            self.request_name = None

    def close(self) -> None:
        """Drop every connection, idle or in use; the session stays usable (it reconnects)."""
        self._pool.close()

    def abandon(self) -> None:
        """Drop every connection, as the session's user stopped: a request still in flight
        (from a greenlet or task the user left running) ends cancelled, not failed."""
        self._pool.close(abandon=True)

    # Preparing --------------------------------------------------------------------

    def resolve_options(  # noqa: PLR0917 - once per request: positional arguments are cheaper
        self,
        timeout: Timeout,
        allow_redirects: bool,
        verify: Any,
        stream: bool | None,
        cert: Any,
        proxies: Mapping[str, str | None] | None,
    ) -> Options:
        """Resolve per-request settings against the session's."""
        if (
            timeout is None
            and verify is None
            and (stream is None or stream == self.stream)  # FastHttp passes False
            and cert is None
            and proxies is None
            and allow_redirects
        ):
            return self._session_options()
        return Options(
            timeout=self.timeout if timeout is None else timeout,
            allow_redirects=allow_redirects,
            stream=self.stream if stream is None else stream,
            verify=self.verify if verify is None else verify,
            cert=self.cert if cert is None else cert,
            proxies=self._proxies(proxies),
        )

    def _session_options(self) -> Options:
        """The options of a request that sets none, rebuilt only when the session's change."""
        proxies = tuple(self.proxies.items()) if self.proxies else None
        key = (self.timeout, self.verify, self.cert, self.stream, self.trust_env, proxies)
        cached = self._default_options
        if cached is not None and cached[0] == key:
            return cached[1]
        options = Options(
            timeout=self.timeout,
            allow_redirects=True,
            stream=self.stream,
            verify=self.verify,
            cert=self.cert,
            proxies=self._proxies(None),
        )
        self._default_options = (key, options)
        return options

    def _proxies(self, proxies: Mapping[str, str | None] | None) -> dict[str, str | None] | None:
        env: Mapping[str, str | None] = _EMPTY
        if self.trust_env:
            if self._env_proxies is None:
                self._env_proxies = environment_proxies()
            env = self._env_proxies
        if not (proxies or self.proxies or env):
            return None
        return {**env, **self.proxies, **(proxies or {})}

    def target(self, url: str, params: Any) -> Target:
        """Where ``url`` (joined to ``base_url``) goes, with ``params`` in its query.

        Raises:
            MissingSchema, InvalidSchema, InvalidURL: As requests would.
        """
        target = parse_target(build_url(self.base_url, url))
        if params or self.params:
            if self.params:
                target = with_params(target, self.params)
            target = with_params(target, params)
        return target

    def prepare(  # noqa: PLR0917 - once per request: positional arguments are cheaper
        self,
        method: str,
        target: Target,
        data: Any = None,
        json: Any = None,
        files: Any = None,
        headers: Mapping[str, Any] | None = None,
        cookies: Any = None,
        auth: Any = None,
    ) -> PreparedRequest:
        """Build the request: headers merged over the session's, body, auth and cookies."""
        prepared = prepare_request(
            self.headers.snapshot(), method, target, data, json, files, headers, cookies
        )
        return self._apply_auth(prepared, auth)

    def _apply_auth(self, prepared: PreparedRequest, auth: Any) -> PreparedRequest:
        if auth is None:
            auth = self.auth if self.auth is not None else prepared.target.auth
            if auth is None:
                return prepared
        if isinstance(auth, (tuple, list)) and len(auth) == 2:
            cached = self._basic_auth
            if cached is None or cached[0] != auth:
                cached = self._basic_auth = (auth, basic_auth(auth[0], auth[1]))
            prepared.overrides = with_header(prepared.overrides, "Authorization", cached[1])
            return prepared
        # A requests-style auth object (e.g. requests.auth.HTTPBasicAuth): it edits headers.
        result = auth(prepared)
        prepared = result if isinstance(result, PreparedRequest) else prepared
        prepared.adopt_headers()
        return prepared

    # Sending ----------------------------------------------------------------------

    async def perform(  # noqa: PLR0917 - once per request: positional arguments are cheaper
        self,
        method: str,
        url: str,
        options: Options,
        params: Any = None,
        data: Any = None,
        json: Any = None,
        files: Any = None,
        headers: Mapping[str, Any] | None = None,
        cookies: Any = None,
        auth: Any = None,
    ) -> Outcome:
        """Prepare, send and receive one request (with its redirects), timing it.

        Server trouble never raises: it gives a response with ``status_code == 0``.

        Raises:
            MissingSchema, InvalidSchema, InvalidURL: The URL is unusable (a task error).
        """
        target = self.target(url, params)
        start_time = time.time()
        started = time.perf_counter()
        prepared = None
        try:
            prepared = self.prepare(method, target, data, json, files, headers, cookies, auth)
            # The hops are awaited right here, not in a helper coroutine: every wait for
            # the server resumes each coroutine frame in the chain, so one less counts.
            hop, hop_start = prepared, started
            history: list[Response] = []
            while True:
                raw = await self._exchange(hop, options)
                # The response ended when it was complete, not when this coroutine
                # resumed: a busy loop's queue of ready callbacks is not the server's time.
                ended = raw.received
                response = self._build_response(hop, raw)
                response._elapsed = ended - hop_start
                next_hop = self._next_hop(hop, response, options, history)
                if next_hop is None:
                    break
                hop, hop_start = next_hop, ended
            if history:
                response.history = history
        except _URL_ERRORS as error:
            if prepared is None:
                raise
            response = self._error_response(method, prepared, target, error)  # a bad Location
            ended = time.perf_counter()
        except RequestException as error:
            response = self._error_response(method, prepared, target, error)
            ended = time.perf_counter()
        return response, start_time, (ended - started) * 1000

    def _error_response(
        self,
        method: str,
        prepared: PreparedRequest | None,
        target: Target,
        error: RequestException,
    ) -> ResponseContextManager:
        if prepared is None:  # preparing failed (a header that cannot be sent)
            prepared = PreparedRequest(method.upper(), target, HeaderSnapshot(()), None, None)
        if error.request is None:
            error.request = prepared
        # The response keeps its error, and the statistics the first of a kind: were its
        # traceback kept too, so would be its frames and all they held (a body of up to
        # max_body bytes, say), in a cycle through this call's frame until a collection.
        error.__traceback__ = None
        return self.response_class(0, b"", [], None, prepared, target.url, error)

    def _next_hop(
        self,
        prepared: PreparedRequest,
        response: ResponseContextManager,
        options: Options,
        history: list[Response],
    ) -> PreparedRequest | None:
        """The request a redirect leads to (``response`` joins ``history``), or None.

        Raises:
            TooManyRedirects: ``max_redirects`` were followed already.
        """
        if not options.allow_redirects or response.status_code not in REDIRECT_STATUSES:
            return None
        location = response.headers.get("location")
        if location is None:
            return None
        response.close()  # a streamed redirect body is not worth reading
        if len(history) >= self.max_redirects:
            message = f"Exceeded {self.max_redirects} redirects."
            raise TooManyRedirects(message, response=response)
        history.append(response)
        return redirect_request(prepared, response, location)

    def _exchange(self, prepared: PreparedRequest, options: Options) -> Awaitable[RawResponse]:
        """The pool's exchange of one hop (returned, not awaited: one frame less)."""
        target = prepared.target
        ssl_context = _ssl_context(options.verify, options.cert) if target.is_tls else None
        overrides = prepared.overrides
        if not self._cookies.is_empty() or prepared.cookies is not None:
            cookie = self._cookie_header(prepared)
            if cookie is not None:
                overrides = with_header(overrides, "Cookie", cookie)
        proxy = select_proxy(options.proxies, target) if options.proxies else None
        proxy_headers = ""
        if proxy is not None:
            if target.is_tls:
                proxy_headers = proxy_authorization(proxy)
            elif proxy.auth is not None:
                authorization = basic_auth(*proxy.auth)
                overrides = with_header(overrides, "Proxy-Authorization", authorization)
        absolute_form = proxy is not None and not target.is_tls
        return self._pool.exchange(
            target,
            prepared.wire(overrides, absolute_form),
            ssl_context,
            proxy,
            proxy_headers,
            options.connect_timeout,
            options.read_timeout,
            prepared.method == "HEAD",
            options.stream,
            self.max_body_size,
        )

    def _build_response(
        self, prepared: PreparedRequest, raw: RawResponse
    ) -> ResponseContextManager:
        response = self.response_class(
            raw.status, raw.reason, raw.headers, raw.body, prepared, prepared.target.url
        )
        encoding = raw.content_encoding
        if raw.stream is not None:
            response._stream = raw.stream
            response._content = b""
            response._limit = self.max_body_size
            if encoding is not None:
                response._decoder = make_decoder(encoding.strip().lower(), self.max_body_size)
        elif encoding is not None and raw.body:
            response._content = decode_body(raw.body, encoding, self.max_body_size)
        if raw.sets_cookies:
            jar = response.cookies
            try:
                extract_cookies(jar, raw.headers, response.url)
            except Exception:  # a server's broken cookie must not fail the task
                jar.clear()
            self._cookies.update(jar)
        return response

    def _cookie_header(self, prepared: PreparedRequest) -> str | None:
        jar = self._cookies
        if prepared.cookies is not None:
            jar = jar.copy()
            jar.update(prepared.cookies)
        return cookie_header(jar, prepared.target.url)

    # Finishing --------------------------------------------------------------------

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
        """Name the request and report it now, or arm the response for ``catch_response``."""
        response, start_time, response_time = outcome
        if hooks or self.hooks.get("response"):
            response = self._dispatch_hooks(response, hooks)
        name = name or self.request_name or self.default_name(url, response)
        if options.stream:
            length = _content_length(response)
        else:
            content = response._content
            length = len(content) if content else 0
        event = self.request_event
        if not catch_response and isinstance(event, RequestHook) and not event.has_listeners:
            # Only the statistics sink will see this request: the event's ``context`` and
            # ``url`` (and the user's context() call) would be built for nobody.
            exception = response.default_exception(name)
            report_request(event, method, name, response_time, length, exception)
            return response
        user = self.user
        if user is not None:
            context = {**user.context(), **context}
        elif not context:
            context = {}  # never hand out the shared default
        event_url = self.event_url(url, response)
        if catch_response:
            meta = {
                "request_type": method,
                "response_time": response_time,
                "name": name,
                "context": context,
                "response": response,
                "exception": None,
                "start_time": start_time,
                "url": event_url,
                "response_length": length,
            }
            response.arm(event, meta)
            return response
        exception = response.default_exception(name)
        report_request(
            event,
            method,
            name,
            response_time,
            length,
            exception,
            response,
            context,
            start_time,
            event_url,
        )
        return response

    def default_name(self, url: str, response: Response) -> str:
        """The stats name of a request made without ``name=``: path and query of the first hop."""
        first = response.history[0] if response.history else response
        assert first.request is not None
        return first.request.path_url

    def event_url(self, url: str, response: Response) -> str:
        """The ``url`` reported with the request: the final URL after redirects."""
        return response.url

    def _dispatch_hooks(
        self, response: ResponseContextManager, hooks: Mapping[str, Any] | None
    ) -> ResponseContextManager:
        handlers = list(self.hooks.get("response") or [])
        extra = (hooks or {}).get("response")
        if extra:
            handlers.extend(extra if isinstance(extra, (list, tuple)) else [extra])
        for handler in handlers:
            result = handler(response)
            if isinstance(result, ResponseContextManager):
                response = result
        return response


def _ssl_context(verify: Any, cert: Any) -> ssl.SSLContext:
    if isinstance(verify, ssl.SSLContext):
        return verify
    return client_context(verify, cert)


def _content_length(response: Response) -> int:
    try:
        return int(response.headers.get("content-length") or 0)
    except ValueError:
        return 0
