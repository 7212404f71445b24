"""A session's keep-alive connections, and one request/response exchange over them.

Each user has its own session and sends one request at a time, so the pool is a small
LIFO stack of idle connections per origin: the most recently used connection is the
least likely to have been closed by the server's idle timeout.

:meth:`ConnectionPool.exchange` raises only :class:`RequestException` subclasses (or
``CancelledError``): every socket, TLS and timeout error is translated here, with the
original kept as ``__cause__`` so the recorded error is the innermost one, as in Locust.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from http.client import RemoteDisconnected

from horde.http._connection import Connection, NoResponse, RawResponse
from horde.http._errors import (
    ConnectionError,
    ConnectTimeout,
    ProxyError,
    RequestException,
    SSLError,
)
from horde.http._socket import KERNEL_TIMESTAMPS, SocketTransport, open_socket
from horde.http._url import Target

__all__ = ["ConnectionPool", "connection_error"]

PoolKey = object


def _normalized(error: BaseException) -> BaseException:
    """A builtin ``OSError`` with the standard message for its errno.

    asyncio says ``Connect call failed ('127.0.0.1', 1)`` where uvloop and Locust say
    ``Connection refused``; the recorded error must not depend on the event loop.
    """
    if isinstance(error, OSError) and type(error).__module__ == "builtins" and error.errno:
        return type(error)(error.errno, os.strerror(error.errno))
    return error


def connection_error(origin: str, cause: BaseException) -> ConnectionError:
    """A :class:`ConnectionError` wrapping ``cause`` (normalised) as its ``__cause__``.

    Raise it with ``raise error from error.__cause__``: the cause is what gets recorded.
    """
    cause = _normalized(cause)
    error_class = SSLError if isinstance(cause, ssl.SSLError) else ConnectionError
    error = error_class(f"{origin}: {cause}")
    error.__cause__ = cause  # what gets recorded; see innermost_cause()
    return error


def _origin(target: Target) -> str:
    kind = "HTTPS" if target.is_tls else "HTTP"
    return f"{kind}ConnectionPool(host={target.host!r}, port={target.port})"


class ConnectionPool:
    """Idle keep-alive connections per origin, for one session.

    Args:
        max_idle_per_origin: Idle connections kept per origin; more are closed.
    """

    __slots__ = ("_abandoned", "_idle", "_open", "max_idle_per_origin")

    def __init__(self, max_idle_per_origin: int = 16) -> None:
        self._idle: dict[PoolKey, list[Connection]] = {}
        # Every connection opened and not yet gone, idle or not, so close() can reach a
        # streamed response left unread by a stopped user (see _remember).
        self._open: list[Connection] = []
        self._abandoned = 0
        """How many times the pool was abandoned (see :meth:`close`): a request in flight
        across one was cut by its own side, not failed by the server."""
        self.max_idle_per_origin = max_idle_per_origin

    def close(self, abandon: bool = False) -> None:
        """Drop every connection, idle or in use, at once.

        With ``abandon`` (the session's user stopped), requests still in flight on them
        end cancelled rather than failed: they belonged to greenlets or tasks the user
        left running, and no server failure is to be recorded for them.

        Dropping (not a graceful TLS close_notify exchange) is deliberate: sessions are
        closed when users stop, often just before the loop itself closes, and a graceful
        TLS close would still be in progress then, leaving sockets open.
        """
        if abandon:
            self._abandoned += 1
        self._idle = {}
        for connection in self._open:
            # Also those closed gracefully before: a TLS close may still be under way.
            connection.abort()
        self._open = []

    def idle_count(self) -> int:
        """How many idle connections the pool holds."""
        return sum(len(connections) for connections in self._idle.values())

    async def exchange(  # noqa: PLR0917 - once per request: positional arguments are cheaper
        self,
        target: Target,
        data: bytes,
        ssl_context: ssl.SSLContext | None,
        proxy: Target | None,
        proxy_headers: str,
        connect_timeout: float,
        read_timeout: float,
        head_only: bool,
        stream: bool,
        max_body: int,
    ) -> RawResponse:
        """Send ``data`` to ``target`` and return its response.

        The most recently used idle connection is reused, or a new one opened. A request
        is sent once: a connection that ends before any byte of its response is a
        failure, reused or not, as with Locust's clients (a request that is not safe to
        repeat, a POST say, must not reach the server twice). A connection the server
        closed while idle is known closed before it is picked, so it is not reused.

        Raises:
            RequestException: Connecting, sending or receiving failed.
        """
        key = _key(target, ssl_context, proxy)
        # Written without helper coroutines: this runs once per request, and every
        # coroutine frame costs a fraction of a microsecond.
        connection = self._idle_connection(key)
        reused = connection is not None
        if connection is None:
            connection = await self._connect(
                target,
                ssl_context,
                proxy=proxy,
                proxy_headers=proxy_headers,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
            )
            self._remember(connection)
        waiter = self._start(key, connection, data, head_only, stream, read_timeout, max_body)
        abandoned = self._abandoned
        try:
            raw = await waiter
        except NoResponse as exc:
            connection.abort()
            self._cancel_if_abandoned(abandoned)
            if reused:
                self._drop(key)  # the server drops its idle connections: older ones too
            cause = exc.cause or RemoteDisconnected("Remote end closed connection without response")
            error = connection_error(connection.origin, cause)
            raise error from error.__cause__
        except BaseException:
            connection.abort()  # failed, timed out or cancelled: its state is unknown
            self._cancel_if_abandoned(abandoned)
            raise
        if not stream:
            self._release(key, connection)
        return raw

    def _cancel_if_abandoned(self, abandoned: int) -> None:
        """Raise ``CancelledError`` when the pool was abandoned since ``abandoned`` was
        read: the request's user stopped while a greenlet or task of its own still waited
        on it, and its connection was cut by its own side, not failed by the server."""
        if self._abandoned != abandoned:
            raise asyncio.CancelledError("its user stopped") from None

    def _remember(self, connection: Connection) -> None:
        """Track a new connection for close(), forgetting those gone since the last one.

        A list pruned at each connect, not a WeakSet: that costs about 1 KB per session
        in weak references, times thousands of users.
        """
        self._open = [known for known in self._open if not known.gone]
        self._open.append(connection)

    def _idle_connection(self, key: PoolKey) -> Connection | None:
        """The most recently used idle connection that can take a request, if any."""
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if connection.usable and connection.still_open():
                return connection
            connection.close()
        return None

    def _start(  # noqa: PLR0917 - private, on the hot path
        self,
        key: PoolKey,
        connection: Connection,
        data: bytes,
        head_only: bool,
        stream: bool,
        read_timeout: float,
        max_body: int,
    ) -> asyncio.Future[RawResponse]:
        # A streamed body may end before the caller even resumes, so the way back to the
        # pool is set up front.
        connection.on_idle = (lambda conn: self._release(key, conn)) if stream else None
        return connection.send(data, head_only, stream, read_timeout, max_body)

    def _release(self, key: PoolKey, connection: Connection) -> None:
        if not connection.usable:
            connection.close()
            return
        idle = self._idle.get(key)
        if idle is None:
            idle = self._idle[key] = []
        if len(idle) >= self.max_idle_per_origin:
            connection.close()
        else:
            idle.append(connection)

    def _drop(self, key: PoolKey) -> None:
        for connection in self._idle.pop(key, ()):
            connection.close()

    async def _connect(
        self,
        target: Target,
        ssl_context: ssl.SSLContext | None,
        *,
        proxy: Target | None,
        proxy_headers: str,
        connect_timeout: float,
        read_timeout: float,
    ) -> Connection:
        """Open a connection (through a proxy tunnel if asked), within ``connect_timeout``."""
        loop = asyncio.get_running_loop()
        origin = _origin(target)
        peer = proxy or target
        direct_tls = ssl_context if proxy is None else None
        try:
            async with asyncio.timeout(connect_timeout):
                if ssl_context is None and KERNEL_TIMESTAMPS:
                    # Plain HTTP: reads stamped by the kernel (see _socket.py).
                    connection = Connection(loop, origin)
                    sock = await open_socket(loop, peer.host, peer.port)
                    SocketTransport(loop, sock, connection)
                    return connection
                _, connection = await loop.create_connection(
                    lambda: Connection(loop, origin),
                    peer.host,
                    peer.port,
                    ssl=direct_tls,
                    server_hostname=target.host if direct_tls is not None else None,
                )
                if proxy is not None and ssl_context is not None:
                    try:
                        await _tunnel(connection, target, ssl_context, proxy_headers, read_timeout)
                    except BaseException:  # refused, timed out, cancelled, TLS failed
                        connection.abort()
                        raise
        except TimeoutError as exc:
            if exc.errno is not None:  # the OS gave up (ETIMEDOUT), not our timer
                error = connection_error(origin, exc)
                raise error from error.__cause__
            message = f"{origin}: Connection to {target.host} timed out. "
            raise ConnectTimeout(f"{message}(connect timeout={connect_timeout})") from None
        except RequestException:
            raise  # the tunnel's own (a ProxyError): requests' errors are OSErrors too
        except OSError as exc:  # refused, unreachable, DNS (gaierror), TLS (ssl.SSLError)
            error = connection_error(origin, exc)
            raise error from error.__cause__
        return connection


def _key(target: Target, ssl_context: ssl.SSLContext | None, proxy: Target | None) -> PoolKey:
    """Connections are shared only between requests that would open identical ones."""
    if proxy is None:
        return target.key if ssl_context is None else (target.key, ssl_context)
    if ssl_context is None:
        return (proxy.key,)  # plain HTTP through a proxy: one connection serves any target
    return (proxy.key, target.key, ssl_context)


async def _tunnel(
    connection: Connection,
    target: Target,
    ssl_context: ssl.SSLContext,
    proxy_headers: str,
    read_timeout: float,
) -> None:
    """Open a ``CONNECT`` tunnel through the proxy, then start TLS with the target inside it."""
    host = f"[{target.host}]" if ":" in target.host else target.host
    authority = f"{host}:{target.port}"
    request = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{proxy_headers}\r\n"
    # The answer to CONNECT has no body whatever its headers say: parse it like HEAD's.
    try:
        raw = await connection.send(
            request.encode("latin-1"),
            head_only=True,
            stream=False,
            read_timeout=read_timeout,
            max_body=0,
        )
    except NoResponse as exc:
        cause = exc.cause or RemoteDisconnected("Remote end closed connection without response")
        error = connection_error(connection.origin, cause)
        raise error from error.__cause__
    if raw.status != 200:
        reason = raw.reason.decode("latin-1")
        raise ProxyError(f"Unable to connect to proxy: tunnel failed with {raw.status} {reason}")
    await connection.start_tls(ssl_context, target.host)
