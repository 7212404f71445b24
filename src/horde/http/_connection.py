"""One HTTP/1.1 client connection: an asyncio ``Protocol`` fed to the llhttp parser.

A connection carries one request at a time (no pipelining). :meth:`Connection.send`
writes the request bytes and returns a future that resolves with a :class:`RawResponse`
once the whole response has arrived (or, for ``stream=True``, once its headers have).

Everything here runs in loop callbacks, so nothing may raise out of them: every problem
(garbage, a huge body, a timeout, the peer closing) is turned into an exception set on
the pending future, and the transport is dropped because its state is unknown.
"""

from __future__ import annotations

import asyncio
import select
import ssl
from http.client import RemoteDisconnected
from time import perf_counter
from typing import Any, cast

from httptools import HttpParserError, HttpParserUpgrade, HttpResponseParser

from horde.http._errors import (
    ChunkedEncodingError,
    ConnectionError,
    InvalidResponse,
    ReadTimeout,
    ResponseTooLarge,
)
from horde.http._stream import StreamReader
from horde.http._timeouts import watcher_for
from horde.runtime import LOOP_TURNS

__all__ = ["MAX_HEAD_SIZE", "Connection", "NoResponse", "RawResponse"]

MAX_HEAD_SIZE = 1 << 20
"""Bytes a response may send before its headers end; a server streaming headers forever
fails the request instead of filling memory."""

# Headers the client must notice while parsing, by lower-case name.
_CONTENT_ENCODING, _SET_COOKIE, _FRAMING = 1, 2, 3
_NOTED_HEADERS = {
    b"content-encoding": _CONTENT_ENCODING,
    b"set-cookie": _SET_COOKIE,
    b"content-length": _FRAMING,
    b"transfer-encoding": _FRAMING,
}


class RawResponse:
    """A response as received: status line, raw headers and the body bytes (or a stream)."""

    __slots__ = (
        "body",
        "content_encoding",
        "headers",
        "reason",
        "received",
        "sets_cookies",
        "status",
        "stream",
    )

    def __init__(  # noqa: PLR0917 - once per response: positional arguments are cheaper
        self,
        status: int,
        reason: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes | None,
        content_encoding: bytes | None,
        sets_cookies: bool,
        stream: StreamReader | None,
        received: float,
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.content_encoding = content_encoding
        self.sets_cookies = sets_cookies
        self.stream = stream
        self.received = received
        """``perf_counter()`` when the response (its head, for a stream) was complete: the
        end of its response time. On a plain connection it is when the kernel received the
        last bytes; otherwise when they were read, before the waiting coroutine resumed."""


#: A connection idle for this long is also asked at its socket before reuse (still_open):
#: one reused at once, in a hot loop, is spared the system call.
CHECK_AFTER_IDLE_S = 0.01


class NoResponse(Exception):
    """The connection ended before the first response byte; ``cause`` is why (or None)."""

    def __init__(self, cause: BaseException | None) -> None:
        super().__init__(cause)
        self.cause = cause


class _Abort(Exception):
    """Raised from a parser callback to stop parsing; the failure is already recorded."""


class Connection(asyncio.Protocol):
    """An HTTP/1.1 connection to one origin, reused for request after request."""

    __slots__ = (
        "__weakref__",
        "_arrived",
        "_body",
        "_body_size",
        "_content_encoding",
        "_framed",
        "_head_only",
        "_head_size",
        "_headers",
        "_headers_done",
        "_heard",
        "_loop",
        "_max_body",
        "_parser",
        "_reason",
        "_received",
        "_sent",
        "_sets_cookies",
        "_spare_parser",
        "_status",
        "_transport",
        "_waiter",
        "_watched",
        "_watcher",
        "closed",
        "deadline",
        "keep_alive",
        "on_idle",
        "origin",
        "reader",
        "timeout",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop, origin: str = "HTTPConnectionPool") -> None:
        self._loop = loop
        self.origin = origin
        """How errors name this connection, e.g. ``HTTPConnectionPool(host='h', port=80)``."""
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[RawResponse] | None = None
        self._watcher = watcher_for(loop)
        self._watched = False
        self.deadline = 0.0
        """Loop time after which the request in flight times out (unless bytes arrived)."""
        self._parser: HttpResponseParser | None = None
        self._spare_parser: HttpResponseParser | None = None
        self.reader: StreamReader | None = None
        """The body of the streamed response in progress, if any."""
        self.closed = False
        self.keep_alive = False
        """Whether the last response allows another request on this connection."""
        self.on_idle: Any = None
        """Called when a streamed response ends with the connection reusable."""
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._arrived = 0.0
        """When the kernel received the last read's data (``perf_counter``), from a
        :class:`~horde.http._socket.SocketTransport`; 0 when the transport cannot say."""
        self._sent = 0.0
        """When the request in flight was written: no response to it arrived before."""
        self._reset(head_only=False, read_timeout=0.0, max_body=0)

    def _reset(self, head_only: bool, read_timeout: float, max_body: int) -> None:
        self._head_only = head_only
        self.timeout = read_timeout
        self._max_body = max_body
        self._status = 0
        self._reason = b""
        # Emptied, not replaced: a resolved response took its headers list with it (see
        # _resolve), so what is left is empty, or an interim or failed response's.
        self._headers.clear()
        self._body.clear()
        self._body_size = 0
        self._content_encoding: bytes | None = None
        self._sets_cookies = False
        self._framed = False
        self._headers_done = False
        self._head_size = 0
        self._received = False
        self._heard = 0.0
        """When bytes last came for the response in flight (``perf_counter``; 0: none yet)."""

    # Public API -------------------------------------------------------------------

    @property
    def usable(self) -> bool:
        """Whether a new request can be sent now (idle, open, keep-alive)."""
        transport = self._transport
        return (
            not self.closed
            and self.keep_alive
            and self._waiter is None
            and self.reader is None
            and transport is not None
            and not transport.is_closing()
        )

    def still_open(self) -> bool:
        """Whether an idle connection can be reused: the server neither closed it nor sent
        anything on it.

        The loop reads a server's close as it comes, unless something held it up
        (blocking user code, a saturated generator); so a connection idle for
        :data:`CHECK_AFTER_IDLE_S` or more is also asked at its socket, as urllib3 asks
        before each reuse. A request sent on a closed one would fail, and it is not
        sent twice.
        """
        if perf_counter() - self._sent < CHECK_AFTER_IDLE_S:
            return True
        transport = self._transport
        sock = transport.get_extra_info("socket") if transport is not None else None
        if sock is None:
            return True
        fd = sock.fileno()
        if fd < 0:
            return False  # closed already; the loop has yet to say so
        poll = select.poll()
        poll.register(fd, select.POLLIN)
        return not poll.poll(0)  # readable while idle: closed, reset, or stray bytes

    @property
    def gone(self) -> bool:
        """Whether the socket has closed for good (its transport reported the loss)."""
        return self.closed and self._transport is None

    def send(
        self,
        data: bytes,
        head_only: bool,
        stream: bool,
        read_timeout: float,
        max_body: int,
    ) -> asyncio.Future[RawResponse]:
        """Write one request and return the future of its response.

        Args:
            data: The complete request (head and body).
            head_only: The request was HEAD: the response has no body whatever it says.
            stream: Resolve at the end of the headers and stream the body.
            read_timeout: Seconds without any byte from the server before giving up.
            max_body: Largest body accepted (ignored when streaming).
        """
        assert self._transport is not None
        self._reset(head_only, read_timeout, max_body)
        self.keep_alive = False
        # The parser of the previous response is reused only if it ended cleanly on the
        # last byte received (see on_message_complete and on_message_begin); otherwise a
        # fresh one (0.2 us), so no state can leak (a HEAD response leaves the parser
        # expecting a body that never comes).
        parser = self._spare_parser
        if parser is None:
            parser = HttpResponseParser(self)
        else:
            self._spare_parser = None
        self._parser = parser
        if stream:
            self.reader = StreamReader(self._loop, self._pause, self._resume)
            self.reader.on_abandon = self.abort
        waiter = self._waiter = self._loop.create_future()
        self._sent = perf_counter()
        self._transport.write(data)
        self._watch()
        return waiter

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str) -> None:
        """Upgrade to TLS in place (inside a proxy tunnel)."""
        assert self._transport is not None
        transport = await self._loop.start_tls(
            self._transport, self, ssl_context, server_hostname=server_hostname
        )
        self._transport = cast(asyncio.Transport, transport)
        # The proxy's answer to CONNECT looked like a read-to-close response; it was not.
        self.keep_alive = True

    def close(self) -> None:
        """Close gracefully (sends the TLS close_notify when there is one)."""
        self.closed = True
        if self._transport is not None:
            self._transport.close()

    def abort(self) -> None:
        """Drop the connection at once; used when its state is unknown."""
        self.closed = True
        if self._transport is not None:
            self._transport.abort()

    # asyncio.Protocol -------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport; the connection starts idle and reusable."""
        # uvloop's transports, and horde's SocketTransport, do not derive from
        # asyncio.Transport; they behave like one (as far as a connection uses it).
        self._transport = cast(asyncio.Transport, transport)
        self.keep_alive = True

    def data_received(self, data: bytes) -> None:
        """Feed the parser; any parse error fails the request in flight."""
        parser = self._parser
        if parser is None:
            # Bytes nobody asked for: the connection is out of step with the server.
            self.abort()
            return
        self._received = True
        self._heard = self._arrived or perf_counter()  # TLS reads carry no stamp
        LOOP_TURNS.count += 1  # the task waiting on this connection let the others run
        if not self._headers_done:
            self._head_size += len(data)
            if self._head_size > MAX_HEAD_SIZE:
                self._fail(InvalidResponse(f"Response headers exceed {MAX_HEAD_SIZE} bytes"))
                return
        try:
            parser.feed_data(data)
        except _Abort:
            pass
        except HttpParserUpgrade:
            self._fail(InvalidResponse("Invalid HTTP response: unexpected protocol upgrade"))
        except HttpParserError as exc:
            self._fail(InvalidResponse(f"Invalid HTTP response: {exc}"))

    def received_at(self, data: bytes, arrived: float) -> None:
        """:meth:`data_received`, with when the kernel received ``data``: a response ends
        then, however long the loop took to read it."""
        self._arrived = arrived
        self.data_received(data)

    def eof_received(self) -> bool:
        """Let the transport close; :meth:`connection_lost` sorts out what it meant.

        A body that the server's close ends is complete now, not when its last data came:
        the close carries no stamp, so it is timed when read.
        """
        self._arrived = perf_counter()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """The socket closed: fail the request in flight, or end a read-to-close body."""
        self.closed = True
        self.keep_alive = False
        self._transport = None  # gone for good: nothing left to close
        if self._parser is None:
            return
        if not self._received:
            # Nothing came back: the pool reports it as the server's disconnect.
            self._fail(NoResponse(exc))
        elif self._headers_done and not self._framed and exc is None:
            # No Content-Length and not chunked: the body ends when the server closes.
            self.on_message_complete()
        elif self._headers_done:
            detail = (
                repr(exc) if exc is not None else f"IncompleteRead({self._body_size} bytes read)"
            )
            self._fail(ChunkedEncodingError(f"Connection broken: {detail}"))
        else:
            error = ConnectionError("Connection aborted.")
            error.__cause__ = exc or RemoteDisconnected(
                "Remote end closed connection without response"
            )
            self._fail(error)

    def _pause(self) -> None:
        if self._transport is not None:
            self._transport.pause_reading()
        # A paused connection is waiting for user code, not for the server.
        self._unwatch()

    def _resume(self) -> None:
        if self._transport is not None and not self.closed:
            self._transport.resume_reading()
            self._heard = perf_counter()  # the wait for the server starts over
            self._watch()

    # Parser callbacks (httptools calls these from feed_data) ------------------------

    def on_message_begin(self) -> None:
        """A response starts; after the previous one completed, its parser is not reused."""
        if self._parser is None:
            # Bytes beyond the response, in the same read: the parser is in the middle of
            # something nobody asked for.
            self._spare_parser = None

    def on_status(self, reason: bytes) -> None:
        """Keep the reason phrase."""
        self._reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        """Keep the raw header, noting the few the client acts on."""
        self._headers.append((name, value))
        noted = _NOTED_HEADERS.get(name.lower())
        if noted is not None:
            if noted == _CONTENT_ENCODING:
                self._content_encoding = value
            elif noted == _SET_COOKIE:
                self._sets_cookies = True
            else:
                self._framed = True

    def on_headers_complete(self) -> None:
        """Resolve a HEAD or streamed request now; skip interim 1xx responses."""
        assert self._parser is not None
        status = self._status = self._parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            return  # 103 Early Hints and the like: the real response follows
        self._headers_done = True
        if self._head_only:
            self.on_message_complete()
        elif self.reader is not None:
            self._resolve(None)

    def on_body(self, body: bytes) -> None:
        """Collect (or stream) a piece of body, enforcing the size limit."""
        reader = self.reader
        if reader is not None:
            reader.feed(body)
            return
        self._body_size += len(body)
        if self._body_size > self._max_body:
            self._fail(ResponseTooLarge(f"Response body exceeds {self._max_body} bytes"))
            raise _Abort
        self._body.append(body)

    def on_message_complete(self) -> None:
        """The response is complete: resolve it and mark the connection reusable or not."""
        if not self._headers_done:
            # The end of an interim 1xx response: start over for the real one.
            self._reset(
                head_only=self._head_only, read_timeout=self.timeout, max_body=self._max_body
            )
            self._received = True
            return
        parser = self._parser
        if parser is None:
            return  # a HEAD response already completed at the end of its headers
        self.keep_alive = not self.closed and parser.should_keep_alive()
        self._parser = None
        if self.keep_alive and not self._head_only:
            # Ready for the next response on this connection (llhttp starts over after a
            # complete keep-alive message): saves building one per request.
            self._spare_parser = parser
        self._unwatch()
        reader = self.reader
        if reader is None:
            self._resolve(b"".join(self._body))
            self._body.clear()  # its chunks go now, while in the cache (see _resolve)
            return
        self._resolve(None)  # a streamed HEAD or bodiless response completes at once
        self.reader = None
        reader.finish()
        if self.on_idle is not None:
            self.on_idle(self)

    # Internals --------------------------------------------------------------------

    def _resolve(self, body: bytes | None) -> None:
        waiter = self._waiter
        self._waiter = None
        if waiter is not None and not waiter.done():
            raw = RawResponse(
                self._status,
                self._reason,
                self._headers,
                body,
                self._content_encoding,
                self._sets_cookies,
                self.reader,
                max(self._arrived, self._sent) if self._arrived else perf_counter(),
            )
            # The response owns the headers list now; a new one for the next response.
            # The old one is then freed with the response, while it is still in the
            # cache, rather than by the next request a second later (a cache miss per
            # object at thousands of paced users).
            self._headers = []
            waiter.set_result(raw)

    def _fail(self, error: BaseException) -> None:
        """Fail whatever waits on this connection, then drop it."""
        self._parser = self._spare_parser = None
        # The body so far goes now: the connection itself may wait for a collection (a
        # failed request's traceback holds it in a cycle), with up to max_body of chunks.
        self._body.clear()
        self._unwatch()
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        reader, self.reader = self.reader, None
        if reader is not None:
            reader.fail(error)
        self.abort()

    # Read timeout (see _timeouts.py: one watcher per loop, no timer per request) -------

    def _watch(self) -> None:
        self.deadline = self._loop.time() + self.timeout
        self._watched = True
        self._watcher.watch(self)

    def _unwatch(self) -> None:
        if self._watched:
            self._watched = False
            self._watcher.unwatch(self)

    def expire(self, now: float) -> None:
        """The deadline passed: time out, unless bytes arrived meanwhile.

        Bytes push the deadline back to a timeout after the last of them, which makes
        this an idle timeout like a socket read timeout, without touching any timer per
        chunk received.
        """
        quiet = perf_counter() - max(self._heard, self._sent)
        if quiet < self.timeout:
            self.deadline = now + self.timeout - quiet
            return
        self._fail(ReadTimeout(f"{self.origin}: Read timed out. (read timeout={self.timeout})"))
