"""A target whose delays are known: ``GET /<ms>`` answers after exactly that many milliseconds.

One uvloop process with a bare HTTP/1.1 protocol (keep-alive, no parsing beyond the
request line), pinned to its own core, so it answers tens of thousands of delayed
requests a second and adds microseconds, not milliseconds, to the delay. Run it as a
script: it prints its port and serves until terminated. On SIGTERM it prints, as one
JSON line, what it actually did: how late its answers left after their delay
(``late_p99_ms``, ``late_max_ms``: the part of any error that is the target's own) and
the time each request actually took, from its arrival to its answer (``served_ms``:
p50, p95, p99 and max, with Locust's rank rule), the truth a generator's figures are
held against.
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
# How long each request took, from its arrival to its answer, in seconds.
_SERVED: list[float] = []


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
            arrived = time.perf_counter()
            loop.call_later(delay, self._answer, arrived, arrived + delay)

    def _answer(self, arrived: float, due: float) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(_RESPONSE)
            answered = time.perf_counter()
            _LATENESS.append(answered - due)
            _SERVED.append(answered - arrived)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


def _percentile_ms(ordered: list[float], fraction: float) -> float:
    """Locust's rank rule on seconds sorted ascending, in milliseconds (0 when empty)."""
    if not ordered:
        return 0.0
    return round(ordered[min(int(len(ordered) * fraction), len(ordered) - 1)] * 1000, 2)


def _report() -> None:
    """On SIGTERM: how late the answers left and how long requests took, then stop."""
    late, served = sorted(_LATENESS), sorted(_SERVED)
    figures = {
        "answers": len(late),
        "late_p99_ms": _percentile_ms(late, 0.99),
        "late_max_ms": _percentile_ms(late, 1.0),
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
    server = await loop.create_server(_Delayed, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(_serve())
    sys.exit(0)
