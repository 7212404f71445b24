"""Plain TCP connections whose reads carry the time the kernel received the data.

A response is complete when its last byte arrives, not when the event loop gets round to
reading it: on a busy generator, a loop turn can take milliseconds (tens of them when
its core is nearly full), and a response timed at the read would carry that wait as the
server's. Linux stamps each packet as it arrives (``SO_TIMESTAMPNS``) and hands the stamp
over with the data to ``recvmsg``, which asyncio's transports do not call. So plain
HTTP connections get :class:`SocketTransport`: a small transport that reads with
``recvmsg`` and gives its protocol each read's arrival on the ``perf_counter`` clock.
TLS keeps the loop's own transports (its reads are the TLS layer's); so does any
platform without the option. A read without a stamp (the kernel turns stamping on a
moment after the first socket asks) is timed when it is made, as before.

The sockets are watched by an epoll set of their own (:class:`_Reactor`, one per loop),
which the loop watches in turn, and not each through the loop's ``add_reader``: that
rests on libuv's poll handle, which stops for good without calling the reader when its
socket reports an error (``POLLERR``: a reset arrived), so a reset in the middle of a
response would go unseen until the read timeout. The set hands over every event, errors
included, and costs one ``epoll_wait`` per loop turn that has any.
"""

from __future__ import annotations

import asyncio
import contextlib
import platform
import select
import socket
import struct
import sys
import time
import weakref
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["KERNEL_TIMESTAMPS", "SocketTransport", "Stamped", "open_socket"]

KERNEL_TIMESTAMPS = sys.platform.startswith("linux") and not platform.machine().startswith(
    ("alpha", "mips", "parisc", "sparc")  # their own option numbers; the others share 35
)
"""Whether this platform stamps received data as used here (``SO_TIMESTAMPNS``, 35)."""

_SO_TIMESTAMPNS = 35
_TIMESPEC = struct.Struct("@ll")
_ANCILLARY_SIZE = socket.CMSG_SPACE(_TIMESPEC.size)
# Bytes read at once. recvmsg allocates this much for each read, then shrinks it to what
# came: up to 64 KB that is a quick allocation; at 256 KB each read maps fresh memory,
# 15 us instead of 3.5 us.
_READ_SIZE = 64 * 1024
# struct tcp_info (linux/tcp.h): tcpi_rcv_ooopack, segments received out of order (5.4+).
_OUT_OF_ORDER = struct.Struct("@I")
_OUT_OF_ORDER_AT = 224
_TCP_INFO_SIZE = _OUT_OF_ORDER_AT + _OUT_OF_ORDER.size
# A stamp at most this old is kept unchecked: were it wrong (see _in_order), the response
# would end at most this much early, as the data was complete when it was read.
_CLOSE_ENOUGH_S = 0.001
if KERNEL_TIMESTAMPS:
    _READABLE = select.EPOLLIN | select.EPOLLERR | select.EPOLLHUP
    _WRITABLE = select.EPOLLOUT | select.EPOLLERR | select.EPOLLHUP
else:  # epoll is Linux's as well: elsewhere this module is imported, never used
    _READABLE = _WRITABLE = 0


class _Reactor:
    """One loop's plain sockets, in an epoll set that the loop watches as one reader.

    Each socket is in the set while it wants an event (reading, or data to send), with
    a callback given the events; one that wants none is taken out, so that a reset
    socket nobody reads does not report its error on every turn. The set closes when
    its last socket leaves it.
    """

    __slots__ = ("__weakref__", "_callbacks", "_epoll", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._epoll = select.epoll()
        self._callbacks: dict[int, Callable[[int], None]] = {}
        loop.add_reader(self._epoll.fileno(), self._dispatch)

    def watch(self, fd: int, old: int, new: int, callback: Callable[[int], None]) -> None:
        """Change ``fd``'s events from ``old`` to ``new`` (0: not in the set)."""
        if not new:
            self._epoll.unregister(fd)
            del self._callbacks[fd]
            if not self._callbacks:
                self._close()
        elif not old:
            self._epoll.register(fd, new)
            self._callbacks[fd] = callback
        else:
            self._epoll.modify(fd, new)

    def _dispatch(self) -> None:
        for fd, events in self._epoll.poll(0):
            callback = self._callbacks.get(fd)  # None: it left the set in this turn
            if callback is not None:
                callback(events)

    def _close(self) -> None:
        _REACTORS.pop(self._loop, None)
        self._loop.remove_reader(self._epoll.fileno())
        self._epoll.close()


# Each loop's reactor, held by the loop alone (through its reader): a loop left with
# connections open is collected with them.
_REACTORS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, weakref.ref[_Reactor]] = (
    weakref.WeakKeyDictionary()
)


def _reactor(loop: asyncio.AbstractEventLoop) -> _Reactor:
    known = _REACTORS.get(loop)
    reactor = None if known is None else known()
    if reactor is None:
        reactor = _Reactor(loop)
        _REACTORS[loop] = weakref.ref(reactor)
    return reactor


class Stamped(Protocol):
    """What the transport needs from its protocol: asyncio's, plus stamped reads."""

    def connection_made(self, transport: Any) -> None: ...
    def received_at(self, data: bytes, arrived: float) -> None: ...
    def eof_received(self) -> bool | None: ...
    def connection_lost(self, exc: Exception | None) -> None: ...


async def open_socket(loop: asyncio.AbstractEventLoop, host: str, port: int) -> socket.socket:
    """A connected non-blocking TCP socket to ``host``, trying each address in turn as
    ``create_connection`` does, and failing as it does: with the error when every address
    gave the same one (``localhost`` refused on ``::1`` and on ``127.0.0.1``)."""
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    errors: list[OSError] = []
    for family, kind, proto, _, address in infos:
        try:
            sock = socket.socket(family, kind, proto)  # EAFNOSUPPORT: try the next one
        except OSError as exc:
            errors.append(exc)
            continue
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            await _connect(loop, sock, address)
        except OSError as exc:
            sock.close()
            errors.append(exc)
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    if not errors:
        raise OSError(f"getaddrinfo returned no address for {host}")
    if len({(type(error), error.errno) for error in errors}) == 1:
        raise errors[0]
    raise OSError(f"Multiple exceptions: {', '.join(str(error) for error in errors)}")


async def _connect(loop: asyncio.AbstractEventLoop, sock: socket.socket, address: Any) -> None:
    """Connect ``sock`` to an address already resolved, as asyncio's ``sock_connect`` does
    but without resolving it again (uvloop's does, in its thread pool: 50 us a connect,
    and an IPv6 scope lost)."""
    try:
        sock.connect(address)
        return
    except (BlockingIOError, InterruptedError):
        pass
    with contextlib.suppress(OSError):  # ENOTCONN while the handshake is under way
        # On loopback the handshake is often over already: the connection's first
        # request need not wait for a busy loop's next turn to be sent.
        sock.getpeername()
        return
    done: asyncio.Future[None] = loop.create_future()

    def writable(events: int) -> None:
        if not done.done():
            done.set_result(None)

    fd = sock.fileno()
    reactor = _reactor(loop)
    reactor.watch(fd, 0, _WRITABLE, writable)
    try:
        await done
    finally:
        reactor.watch(fd, _WRITABLE, 0, writable)
    error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if error:
        raise OSError(error, f"Connect call failed {address}")


class SocketTransport:
    """An asyncio-style transport over a connected socket, with stamped reads.

    The subset of ``asyncio.Transport`` a client connection uses: ``write`` (sent at
    once, the rest buffered until the socket takes it), ``pause_reading`` and
    ``resume_reading``, ``close`` (after what is buffered is sent), ``abort``,
    ``is_closing`` and ``get_extra_info``. The protocol hears of the end once, from
    ``connection_lost``, in a later loop callback as with asyncio's transports.
    """

    __slots__ = (
        "_buffer",
        "_closing",
        "_events",
        "_fd",
        "_last_read",
        "_loop",
        "_out_of_order",
        "_protocol",
        "_reactor",
        "_reading",
        "_sock",
    )

    def __init__(
        self, loop: asyncio.AbstractEventLoop, sock: socket.socket, protocol: Stamped
    ) -> None:
        self._loop = loop
        self._sock = sock
        self._fd = sock.fileno()
        self._protocol = protocol
        self._buffer = bytearray()
        self._closing = False
        with contextlib.suppress(OSError):  # without stamps, a read is timed when made
            sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        self._out_of_order = 0
        self._last_read = 0.0
        """When a read last emptied the socket (0: none yet, or the last one filled its
        buffer and may have left data behind)."""
        self._reactor = _reactor(loop)
        self._events = 0
        """The events the reactor watches for (0: the socket is not in its set)."""
        protocol.connection_made(self)
        self._reading = True
        self._watch()

    def _watch(self) -> None:
        """Have the reactor watch for what the transport waits for now."""
        events = (_READABLE if self._reading else 0) | (_WRITABLE if self._buffer else 0)
        if events != self._events:
            if not self._events:  # the loop's set may have closed while this was out of it
                self._reactor = _reactor(self._loop)
            self._reactor.watch(self._fd, self._events, events, self._ready)
            self._events = events

    def _ready(self, events: int) -> None:
        """The socket has ``events``; an error or hang-up reads (or sends) to find out."""
        if self._reading and events & _READABLE:
            self._read()
        if self._buffer and events & _WRITABLE:
            self._flush()

    # Reading ----------------------------------------------------------------------

    def _read(self) -> None:
        try:
            data, ancillary, _, _ = self._sock.recvmsg(_READ_SIZE, _ANCILLARY_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._fail(exc)
            return
        now, wall = time.perf_counter(), time.time()
        try:
            if not data:
                self._eof()
                return
            arrived = now
            if ancillary:
                level, kind, payload = ancillary[0]
                if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                    seconds, nanoseconds = _TIMESPEC.unpack_from(payload)
                    waited = wall - seconds - nanoseconds * 1e-9
                    stamped = now - waited
                    # (A wall clock stepped meanwhile gives nonsense: more than a minute.)
                    if 0.0 < waited < 60.0 and (
                        waited <= _CLOSE_ENOUGH_S or self._in_order(stamped)
                    ):
                        arrived = stamped
            self._last_read = now if len(data) < _READ_SIZE else 0.0
            self._protocol.received_at(data, arrived)
        except Exception as exc:  # the protocol failed: the connection's state is unknown
            self._fail(exc)

    def _in_order(self, stamped: float) -> bool:
        """Whether a read's stamp (``stamped``, which says its data waited) is the arrival
        of its last byte.

        A read gets the stamp of the last segment it took. When a segment was lost and
        sent again, the segments after it waited in the kernel, out of order, and they
        carry their own, earlier arrival: the stamp would end the response before it was
        complete, by as long as the resend took. So the read's own time is kept instead
        when its stamp is older than the last read that emptied the socket (the data was
        there, yet could not be read), or when the kernel's count of segments received
        out of order changed since the last look (any read's segments may be small).
        """
        if stamped < self._last_read:
            return False
        try:
            info = self._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_SIZE)
        except OSError:
            return False
        if len(info) < _TCP_INFO_SIZE:
            return False  # a kernel before 5.4 does not count them
        (out_of_order,) = _OUT_OF_ORDER.unpack_from(info, _OUT_OF_ORDER_AT)
        if out_of_order == self._out_of_order:
            return True
        self._out_of_order = out_of_order
        return False

    def _eof(self) -> None:
        self._stop_reading()
        keep_open = self._protocol.eof_received()
        if not keep_open:
            self.close()

    def pause_reading(self) -> None:
        """Stop reading until :meth:`resume_reading` (the protocol's reader is full)."""
        if self._reading and not self._closing:
            self._stop_reading()

    def resume_reading(self) -> None:
        """Read again after :meth:`pause_reading`."""
        if not self._reading and not self._closing:
            self._reading = True
            self._watch()

    def is_reading(self) -> bool:
        return self._reading

    def _stop_reading(self) -> None:
        if self._reading:
            self._reading = False
            self._watch()

    # Writing ----------------------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Send ``data`` now; what the socket cannot take yet is sent when it can."""
        if self._closing or not data:
            return
        if not self._buffer:
            try:
                sent = self._sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError as exc:
                self._fail(exc)
                return
            if sent == len(data):
                return
            self._buffer += memoryview(data)[sent:]
            self._watch()
            return
        self._buffer += data

    def _flush(self) -> None:
        try:
            sent = self._sock.send(self._buffer)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._fail(exc)
            return
        del self._buffer[:sent]
        if not self._buffer:
            self._watch()
            if self._closing:
                self._finish(None)

    def get_write_buffer_size(self) -> int:
        return len(self._buffer)

    # Ending -----------------------------------------------------------------------

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        """Close once what is buffered has been sent."""
        if self._closing:
            return
        self._closing = True
        self._stop_reading()
        if not self._buffer:
            self._finish(None)

    def abort(self) -> None:
        """Close now, dropping what is buffered."""
        if self._sock.fileno() < 0:
            return
        self._closing = True
        self._stop_reading()
        self._finish(None)

    def _fail(self, exc: Exception) -> None:
        if self._sock.fileno() < 0:
            return  # already ended (the protocol aborted, then raised)
        self._closing = True
        self._stop_reading()
        self._finish(exc)

    def _finish(self, exc: Exception | None) -> None:
        self._buffer.clear()
        self._reading = False
        self._watch()  # out of the set before the descriptor closes
        self._sock.close()
        lost: Callable[[Exception | None], None] = self._protocol.connection_lost
        self._loop.call_soon(lost, exc)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """``socket``, ``peername`` or ``sockname``, as asyncio's transports give them."""
        if name == "socket":
            return self._sock
        try:
            if name == "peername":
                return self._sock.getpeername()
            if name == "sockname":
                return self._sock.getsockname()
        except OSError:
            return default
        return default
