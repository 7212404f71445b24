"""A target whose delays are known: ``GET /<ms>`` answers after exactly that many milliseconds.

One uvloop process with a bare HTTP/1.1 protocol (keep-alive, no parsing beyond the
request line), pinned to its own core, so it answers tens of thousands of delayed
requests a second and adds microseconds, not milliseconds, to the delay. Run it as a
script: it prints its port and serves until terminated; on SIGTERM it prints how late
its answers left (``{"answers", "late_p99_ms", "late_max_ms"}``), the part of any
error that is the target's own.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys
import time
from typing import cast

import uvloop

_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
# How late each answer left after its delay, in seconds: the target's own error.
_LATENESS: list[float] = []


class _Delayed(asyncio.Protocol):
    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        loop = asyncio.get_running_loop()
        while b"\r\n\r\n" in self._buffer:
            head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
            path = head.split(b" ", 2)[1]
            delay = float(path.rsplit(b"/", 1)[1] or 0) / 1000
            loop.call_later(delay, self._answer, time.perf_counter() + delay)

    def _answer(self, due: float) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(_RESPONSE)
            _LATENESS.append(time.perf_counter() - due)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


def _report_lateness() -> None:
    """On SIGTERM: how late the answers left, as one JSON line, then stop."""
    late = sorted(_LATENESS)
    figures = {"answers": len(late), "late_p99_ms": 0.0, "late_max_ms": 0.0}
    if late:
        figures["late_p99_ms"] = round(late[int(len(late) * 0.99)] * 1000, 2)
        figures["late_max_ms"] = round(late[-1] * 1000, 2)
    print(json.dumps(figures), flush=True)
    sys.exit(0)


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, _report_lateness)
    server = await loop.create_server(_Delayed, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(_serve())
    sys.exit(0)
