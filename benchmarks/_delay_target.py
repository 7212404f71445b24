"""A target whose delays are known: ``GET /<ms>`` answers after exactly that many milliseconds.

One uvloop process, pinned to its own core, reading its sockets itself (keep-alive, no
parsing beyond the request line), so it answers tens of thousands of delayed requests a
second and adds microseconds, not milliseconds, to the delay. Run it as a script: it
prints its port and serves until terminated. On SIGTERM it prints, as one JSON line,
what it actually did:

- ``served_ms``: the time each request actually took, p50, p95, p99 and max with
  Locust's rank rule: the truth a generator's figures are held against. It counts from
  the request's arrival in the kernel (``SO_TIMESTAMPNS``), not from when this loop got
  round to reading it: a request that waited in the socket for a busy target is late
  for any client, so it is the target's latency, not the generator's error;
- ``late_p99_ms``, ``late_max_ms``: how late answers left after their delay;
- ``queued_max_ms``: the longest a request waited in its socket before it was read.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import struct
import sys
import time

import uvloop

_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
# Linux's SO_TIMESTAMPNS (socket does not name it): each read carries, as ancillary
# data, when the kernel received its data, as a CLOCK_REALTIME struct timespec.
_SO_TIMESTAMPNS = 35
_TIMESPEC = struct.Struct("@ll")
_ANCILLARY_SIZE = socket.CMSG_SPACE(_TIMESPEC.size)
# How late each answer left after its delay, in seconds: the target's own error.
_LATENESS: list[float] = []
# How long each request took, from its arrival in the kernel to its answer, in seconds.
_SERVED: list[float] = []
# How long each read's data waited in its socket, in seconds.
_QUEUED: list[float] = []


class _Connection:
    """One keep-alive connection, read with ``recvmsg`` to get the kernel's timestamps."""

    def __init__(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        self._sock = sock
        self._loop = loop
        self._buffer = b""
        self._unsent = b""
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        loop.add_reader(sock.fileno(), self._readable)

    def _readable(self) -> None:
        try:
            data, ancillary, _, _ = self._sock.recvmsg(65536, _ANCILLARY_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._close()
            return
        now, wall = time.perf_counter(), time.time_ns()
        queued = 0.0
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                seconds, nanoseconds = _TIMESPEC.unpack(payload[: _TIMESPEC.size])
                queued = max(0.0, (wall - seconds * 1_000_000_000 - nanoseconds) / 1e9)
        _QUEUED.append(queued)
        arrived = now - queued
        self._buffer += data
        while b"\r\n\r\n" in self._buffer:
            head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
            path = head.split(b" ", 2)[1]
            delay = float(path.rsplit(b"/", 1)[1] or 0) / 1000
            self._loop.call_later(arrived + delay - now, self._answer, arrived, arrived + delay)

    def _answer(self, arrived: float, due: float) -> None:
        if self._sock.fileno() < 0:
            return
        self._send(_RESPONSE)
        answered = time.perf_counter()
        _LATENESS.append(answered - due)
        _SERVED.append(answered - arrived)

    def _send(self, data: bytes) -> None:
        if self._unsent:
            self._unsent += data
            return
        try:
            sent = self._sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._close()
            return
        if sent < len(data):
            self._unsent = data[sent:]
            self._loop.add_writer(self._sock.fileno(), self._writable)

    def _writable(self) -> None:
        try:
            sent = self._sock.send(self._unsent)
        except BlockingIOError:
            return
        except OSError:
            self._close()
            return
        self._unsent = self._unsent[sent:]
        if not self._unsent:
            self._loop.remove_writer(self._sock.fileno())

    def _close(self) -> None:
        if self._sock.fileno() >= 0:
            self._loop.remove_reader(self._sock.fileno())
            self._loop.remove_writer(self._sock.fileno())
            self._sock.close()


def _percentile_ms(ordered: list[float], fraction: float) -> float:
    """Locust's rank rule on seconds sorted ascending, in milliseconds (0 when empty)."""
    if not ordered:
        return 0.0
    return round(ordered[min(int(len(ordered) * fraction), len(ordered) - 1)] * 1000, 2)


def _report() -> None:
    """On SIGTERM: how long requests took, how late answers left, then stop."""
    late, served = sorted(_LATENESS), sorted(_SERVED)
    figures = {
        "answers": len(late),
        "late_p99_ms": _percentile_ms(late, 0.99),
        "late_max_ms": _percentile_ms(late, 1.0),
        "queued_max_ms": _percentile_ms(sorted(_QUEUED), 1.0),
        "served_ms": {
            point: _percentile_ms(served, fraction)
            for point, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
        },
    }
    print(json.dumps(figures), flush=True)
    sys.exit(0)


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, _report)
    listener = socket.create_server(("127.0.0.1", 0), backlog=4096)
    listener.setblocking(False)

    def accept() -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except BlockingIOError:
                return
            _Connection(sock, loop)

    loop.add_reader(listener.fileno(), accept)
    print(listener.getsockname()[1], flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    uvloop.run(_serve())
