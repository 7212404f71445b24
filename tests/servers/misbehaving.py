"""Raw-socket servers that misbehave on purpose, one behaviour per server (loopback only).

Each behaviour is a function given the accepted socket (in its own thread) after the
request head has been read.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

__all__ = ["BEHAVIOURS", "free_port", "serve_raw"]

Behaviour = Callable[[socket.socket, int], None]
"""``(connection, request number on this connection)``; return to read the next request."""

_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


def _reset(connection: socket.socket) -> None:
    """Close with a TCP RST instead of a FIN."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def reset_before_response(connection: socket.socket, number: int) -> None:
    """Reset the connection without answering."""
    _reset(connection)


def close_before_response(connection: socket.socket, number: int) -> None:
    """Close (FIN) without answering."""
    connection.close()


def reset_mid_headers(connection: socket.socket, number: int) -> None:
    """Send part of the status line and headers, then reset."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Len")
    _reset(connection)


def truncated_body(connection: socket.socket, number: int) -> None:
    """Promise 100 bytes, send 10, close."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
    connection.close()


def garbage(connection: socket.socket, number: int) -> None:
    """Answer with something that is not HTTP."""
    connection.sendall(b"SSH-2.0-OpenSSH_9.0\r\n\r\nnot http at all")
    connection.close()


def garbage_headers(connection: socket.socket, number: int) -> None:
    """A valid status line followed by a broken header block."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nbody")
    connection.close()


def never_answers(connection: socket.socket, number: int) -> None:
    """Read the request and stay silent until the client gives up."""
    with contextlib.suppress(OSError):
        connection.settimeout(10)
        connection.recv(65536)
    connection.close()


def one_request_per_connection(connection: socket.socket, number: int) -> None:
    """Answer the first request with keep-alive, then close silently on the next.

    A client that reuses the connection sees it die before any response byte.
    """
    if number == 0:
        connection.sendall(_OK)
    else:
        connection.close()


def closes_when_idle(connection: socket.socket, number: int) -> None:
    """Answer with keep-alive, then close the connection once it idles for 50 ms."""
    connection.sendall(_OK)
    time.sleep(0.05)
    connection.close()


def huge_content_length(connection: socket.socket, number: int) -> None:
    """Announce and stream a body far larger than the client accepts."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
    with contextlib.suppress(OSError):
        for _ in range(10_000):
            connection.sendall(b"x" * 65536)
    connection.close()


def gzip_garbage(connection: socket.socket, number: int) -> None:
    """Claim gzip and send bytes that are not gzip."""
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 8\r\n\r\nnotgzip!"
    )


@functools.cache
def _bomb() -> bytes:
    return gzip.compress(b"\0" * (32 << 20))  # 32 MB of zeros in about 32 KB


def gzip_bomb(connection: socket.socket, number: int) -> None:
    """A small gzip body that decodes to far more than the client accepts."""
    body = _bomb()
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n"
    connection.sendall(head.encode() + body)


BEHAVIOURS: dict[str, Behaviour] = {
    "reset_before_response": reset_before_response,
    "close_before_response": close_before_response,
    "reset_mid_headers": reset_mid_headers,
    "truncated_body": truncated_body,
    "garbage": garbage,
    "garbage_headers": garbage_headers,
    "never_answers": never_answers,
    "one_request_per_connection": one_request_per_connection,
    "closes_when_idle": closes_when_idle,
    "huge_content_length": huge_content_length,
    "gzip_garbage": gzip_garbage,
    "gzip_bomb": gzip_bomb,
}


def _read_head(connection: socket.socket) -> bool:
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = connection.recv(65536)
        except OSError:
            return False
        if not chunk:
            return False
        data += chunk
    return True


def _serve_connection(connection: socket.socket, behaviour: Behaviour) -> None:
    number = 0
    with connection, contextlib.suppress(OSError):
        while connection.fileno() != -1 and _read_head(connection):
            behaviour(connection, number)
            number += 1


def _accept_loop(listener: socket.socket, behaviour: Behaviour, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        threading.Thread(
            target=_serve_connection, args=(connection, behaviour), daemon=True
        ).start()


@contextlib.contextmanager
def serve_raw(behaviour: Behaviour) -> Iterator[str]:
    """Run a misbehaving server for the block; yields its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    stop = threading.Event()
    thread = threading.Thread(target=_accept_loop, args=(listener, behaviour, stop), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(5)


def free_port() -> int:
    """A loopback port with nothing listening on it (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def endless_headers(connection: socket.socket, number: int) -> None:
    """A status line, then header lines without end."""
    connection.sendall(b"HTTP/1.1 200 OK\r\n")
    with contextlib.suppress(OSError):
        for index in range(100_000):
            connection.sendall(f"X-Header-{index}: {'v' * 100}\r\n".encode())
    connection.close()


BEHAVIOURS["endless_headers"] = endless_headers
