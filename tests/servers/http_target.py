"""A well-behaved HTTP/1.1 target for the HTTP client's tests (loopback, ephemeral port).

Routes (any method unless noted):

=========================  ===========================================================
``/``, ``/ultra_fast``     a short text body
``/fast``                  a short text body
``/slow?delay=0.5``        waits ``delay`` seconds, then answers
``/fail``                  500
``/status/<code>``         that status (no body for 1xx/204/304)
``/redirect?url=&code=``   a redirect (302 by default) to ``url``
``/redirect_chain?n=3``    ``n`` redirects, then ``/ultra_fast``
``/redirect_loop``         redirects to itself forever
``/basic_auth``            200 for ``user:pass``, else 401
``/set_cookie?k=v``        sets each query parameter as a cookie
``/get_cookie?name=k``     the value of cookie ``k`` (empty if absent)
``/echo``                  JSON: method, path, query, headers, body
``/json``                  a JSON document
``/gzip``, ``/deflate``    a compressed body with its Content-Encoding
``/chunked``               a chunked body
``/no_content_length``     a body ended by closing the connection
``/huge?size=``            a body of ``size`` bytes
``/text?charset=``         text in that charset
``/stream?lines=&delay=``  chunked lines, ``delay`` seconds apart
``/close``                 answers with ``Connection: close``
``/connections``           how many connections the server has accepted
=========================  ===========================================================
"""

from __future__ import annotations

import contextlib
import gzip
import json
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

__all__ = ["TargetServer", "serve_target"]

_TEXT = b"This is an ultra fast response"


class TargetServer(ThreadingHTTPServer):
    """The target, counting the connections it accepts."""

    daemon_threads = True
    connections = 0

    def verify_request(self, request: object, client_address: object) -> bool:
        self.connections += 1
        return True

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet: clients that give up mid-response (timeouts) are part of the tests."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: TargetServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "text/plain",
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers or []:
            self.send_header(name, value)
        if status >= 200 and status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status >= 200 and status not in (204, 304):
            self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _route(self) -> None:
        parts = urlsplit(self.path)
        self.query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.request_body = self._body()
        path = parts.path
        handler = _ROUTES.get(path)
        if handler is None and path.startswith("/status/"):
            handler = _status
        if handler is None:
            self._send(404, b"not found")
            return
        handler(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _route


def _text(handler: _Handler) -> None:
    handler._send(200, _TEXT)


def _slow(handler: _Handler) -> None:
    time.sleep(float(handler.query.get("delay", "0.5")))
    handler._send(200, b"This is a slow response")


def _fail(handler: _Handler) -> None:
    handler._send(500, b"This response failed")


def _status(handler: _Handler) -> None:
    code = int(handler.path.split("?")[0].rsplit("/", 1)[1])
    handler._send(code, f"status {code}".encode())


def _redirect(handler: _Handler) -> None:
    code = int(handler.query.get("code", "302"))
    handler._send(code, b"", headers=[("Location", handler.query.get("url", "/ultra_fast"))])


def _redirect_chain(handler: _Handler) -> None:
    remaining = int(handler.query.get("n", "3"))
    location = f"/redirect_chain?n={remaining - 1}" if remaining > 1 else "/ultra_fast"
    handler._send(302, b"", headers=[("Location", location)])


def _redirect_loop(handler: _Handler) -> None:
    handler._send(302, b"", headers=[("Location", "/redirect_loop")])


def _basic_auth(handler: _Handler) -> None:
    if handler.headers.get("Authorization") == "Basic dXNlcjpwYXNz":
        handler._send(200, b"Authorized")
    else:
        handler._send(401, b"Unauthorized", headers=[("WWW-Authenticate", 'Basic realm="t"')])


def _set_cookie(handler: _Handler) -> None:
    cookies = [("Set-Cookie", f"{name}={value}; Path=/") for name, value in handler.query.items()]
    handler._send(200, b"cookies set", headers=cookies)


def _get_cookie(handler: _Handler) -> None:
    wanted = handler.query.get("name", "")
    for part in (handler.headers.get("Cookie") or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == wanted:
            handler._send(200, value.encode())
            return
    handler._send(200, b"")


def _echo(handler: _Handler) -> None:
    document = {
        "method": handler.command,
        "path": handler.path,
        "query": handler.query,
        "headers": dict(handler.headers.items()),
        "body": handler.request_body.decode("latin-1"),
    }
    handler._send(200, json.dumps(document).encode(), "application/json")


def _json(handler: _Handler) -> None:
    handler._send(200, b'{"name": "horde", "items": [1, 2, 3]}', "application/json")


def _gzip(handler: _Handler) -> None:
    body = gzip.compress(_TEXT * 10)
    handler._send(200, body, headers=[("Content-Encoding", "gzip")])


def _deflate(handler: _Handler) -> None:
    handler._send(200, zlib.compress(_TEXT * 10), headers=[("Content-Encoding", "deflate")])


def _write_chunked(handler: _Handler, chunks: Iterator[bytes]) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    for chunk in chunks:
        handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        handler.wfile.flush()
    handler.wfile.write(b"0\r\n\r\n")


def _chunked(handler: _Handler) -> None:
    _write_chunked(handler, iter([b"chunk one,", b"chunk two,", b"chunk three"]))


def _stream(handler: _Handler) -> None:
    delay = float(handler.query.get("delay", "0"))

    def lines() -> Iterator[bytes]:
        for number in range(int(handler.query.get("lines", "5"))):
            if delay:
                time.sleep(delay)
            yield f"line {number}\n".encode()

    _write_chunked(handler, lines())


def _no_content_length(handler: _Handler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(b"body without length")
    handler.close_connection = True


def _huge(handler: _Handler) -> None:
    handler._send(200, b"x" * int(handler.query.get("size", str(1 << 20))))


def _charset_text(handler: _Handler) -> None:
    charset = handler.query.get("charset", "")
    text = "caf\u00e9 na\u00efve"
    content_type = f"text/plain; charset={charset}" if charset else "text/plain"
    handler._send(200, text.encode(charset or "utf-8"), content_type)


def _close(handler: _Handler) -> None:
    handler._send(200, b"closing", headers=[("Connection", "close")])
    handler.close_connection = True


def _connections(handler: _Handler) -> None:
    handler._send(200, str(handler.server.connections).encode())


_ROUTES: dict[str, Callable[[_Handler], None]] = {
    "/": _text,
    "/ultra_fast": _text,
    "/fast": _text,
    "/slow": _slow,
    "/fail": _fail,
    "/redirect": _redirect,
    "/redirect_chain": _redirect_chain,
    "/redirect_loop": _redirect_loop,
    "/basic_auth": _basic_auth,
    "/set_cookie": _set_cookie,
    "/get_cookie": _get_cookie,
    "/echo": _echo,
    "/json": _json,
    "/gzip": _gzip,
    "/deflate": _deflate,
    "/chunked": _chunked,
    "/stream": _stream,
    "/no_content_length": _no_content_length,
    "/huge": _huge,
    "/text": _charset_text,
    "/close": _close,
    "/connections": _connections,
}


@contextlib.contextmanager
def serve_target(ssl_context: ssl.SSLContext | None = None) -> Iterator[TargetServer]:
    """Run the target on 127.0.0.1 (an ephemeral port) in a thread for the block."""
    server = TargetServer(("127.0.0.1", 0), _Handler)
    if ssl_context is not None:
        server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def url_of(server: TargetServer, scheme: str = "http") -> str:
    """The base URL of a running server."""
    host, port = server.server_address[:2]
    return f"{scheme}://{host!s}:{port}"


def quoted(path: str) -> str:
    """``path`` quoted for use as a ``url=`` query value."""
    return quote(path, safe="")
