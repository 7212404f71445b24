"""A target whose delays are known: ``GET /<ms>`` answers after exactly that many milliseconds.

One uvloop process with a bare HTTP/1.1 protocol (keep-alive, no parsing beyond the
request line), pinned to its own core, so it answers tens of thousands of delayed
requests a second and adds microseconds, not milliseconds, to the delay. Run it as a
script: it prints its port and serves until terminated.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from typing import cast

import uvloop

_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


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
            delay_ms = float(path.rsplit(b"/", 1)[1] or 0)
            loop.call_later(delay_ms / 1000, self._answer)

    def _answer(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(_RESPONSE)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Delayed, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(_serve())
    sys.exit(0)
