"""A ``CONNECT`` proxy on loopback for the client's HTTPS-through-a-proxy tests.

It tunnels (answers 200 and relays bytes both ways), refuses (answers 407), or stays
silent after reading the ``CONNECT``; either way it records the request lines and when a
client closes its side.
"""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ConnectProxy", "serve_connect_proxy"]


class ConnectProxy(socketserver.ThreadingTCPServer):
    """The proxy; ``mode`` is ``"tunnel"``, ``"refuse"`` or ``"silent"``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.requests: list[str] = []
        self.client_closed = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(socketserver.BaseRequestHandler):
    server: ConnectProxy
    request: socket.socket

    def handle(self) -> None:
        client = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        self.server.requests.append(line)
        if self.server.mode == "refuse":
            client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
        elif self.server.mode == "tunnel":
            host, port = line.split()[1].rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=5) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if _relay(client, upstream) is client or _closed_by_client(client):
                    self.server.client_closed.set()
            return
        if _closed_by_client(client):
            self.server.client_closed.set()


def _relay(client: socket.socket, upstream: socket.socket) -> socket.socket | None:
    """Relay both ways until one side closes (returned) or 5 s pass in silence (None)."""
    peers = {client: upstream, upstream: client}
    while True:
        readable, _, _ = select.select(list(peers), [], [], 5)
        if not readable:
            return None
        for source in readable:
            try:
                data = source.recv(65536)
            except ConnectionResetError:
                return source
            if not data:
                return source
            peers[source].sendall(data)


def _closed_by_client(client: socket.socket) -> bool:
    """Wait up to 10 s for the client to close its side (or reset the connection)."""
    client.settimeout(10)
    try:
        while client.recv(4096):
            pass
    except TimeoutError:
        return False
    except OSError:  # reset
        return True
    return True


@contextmanager
def serve_connect_proxy(mode: str) -> Iterator[ConnectProxy]:
    """Run a :class:`ConnectProxy` in a thread for the block."""
    proxy = ConnectProxy(mode)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()
