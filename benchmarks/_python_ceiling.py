"""The fastest hot loop Python can drive: a bare uvloop protocol parsing with httptools.

No users, tasks, sessions, statistics or events: each connection writes one fixed
``GET /``, feeds what comes back to an llhttp parser and, when the response is complete,
writes the next request. It is the floor under any Python load generator built on the
same loop and parser (horde included), measured against the same nginx: the distance
between it and a horde row is what horde's own machinery costs per request.

Run as a script (``URL USERS SECONDS``); it stops by itself after ``SECONDS`` and prints
``{"requests": N, "failures": N}`` as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import cast
from urllib.parse import urlsplit

import uvloop
from httptools import HttpParserError, HttpResponseParser


class _Counts:
    requests = 0
    failures = 0


class _HotLoop(asyncio.Protocol):
    def __init__(self, request: bytes, stopping: asyncio.Event) -> None:
        self._request = request
        self._stopping = stopping
        self._transport: asyncio.Transport | None = None
        self._parser = HttpResponseParser(self)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except HttpParserError:
            _Counts.failures += 1
            assert self._transport is not None
            self._transport.abort()

    def on_message_complete(self) -> None:
        assert self._transport is not None
        if self._parser.get_status_code() == 200:
            _Counts.requests += 1
        else:
            _Counts.failures += 1
        if not self._stopping.is_set():
            self._transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._stopping.is_set():
            _Counts.failures += 1


async def _run(url: str, users: int, seconds: float) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = f"GET / HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: ceiling\r\n\r\n".encode()
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    transports = []
    for _ in range(users):
        transport, _protocol = await loop.create_connection(
            lambda: _HotLoop(request, stopping), host, port
        )
        transports.append(transport)
    await asyncio.sleep(seconds)
    stopping.set()
    for transport in transports:
        transport.close()


def main() -> None:
    url, users, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    uvloop.run(_run(url, users, seconds))
    print(json.dumps({"requests": _Counts.requests, "failures": _Counts.failures}), flush=True)


if __name__ == "__main__":
    main()
