"""The connection protocol fed by hand through a fake transport: no sockets."""

import asyncio
import socket
from http.client import RemoteDisconnected

import pytest

import horde.http._connection as connection_module
from horde.http import (
    ChunkedEncodingError,
    ConnectionError,
    InvalidResponse,
    ReadTimeout,
    ResponseTooLarge,
)
from horde.http._connection import Connection, NoResponse
from horde.runtime import run


class FakeTransport:
    def __init__(self):
        self.written = []
        self.closed = False
        self.aborted = False
        self.paused = False

    def write(self, data):
        self.written.append(data)

    def is_closing(self):
        return self.closed or self.aborted

    def close(self):
        self.closed = True

    def abort(self):
        self.aborted = True

    def pause_reading(self):
        self.paused = True

    def resume_reading(self):
        self.paused = False

    def get_extra_info(self, name, default=None):
        return getattr(self, "sock", default) if name == "socket" else default


def connect():
    connection = Connection(asyncio.get_running_loop(), "TestPool(host='h', port=1)")
    transport = FakeTransport()
    connection.connection_made(transport)
    return connection, transport


def send(connection, **kwargs):
    options = {"head_only": False, "stream": False, "read_timeout": 5.0, "max_body": 1000}
    options.update(kwargs)
    return connection.send(b"GET / HTTP/1.1\r\n\r\n", **options)


def feed(connection, data, step=None):
    step = step or len(data)
    for start in range(0, len(data), step):
        connection.data_received(data[start : start + step])


def in_loop(fn):
    async def main():
        return await fn()

    return run(main())


@pytest.mark.parametrize("step", [None, 1, 7])
def test_content_length_response_in_any_pieces(step):
    async def scenario():
        connection, transport = connect()
        waiter = send(connection)
        assert transport.written == [b"GET / HTTP/1.1\r\n\r\n"]
        feed(connection, b"HTTP/1.1 201 Created\r\nX-A: 1\r\nContent-Length: 5\r\n\r\nhello", step)
        raw = await waiter
        assert (raw.status, raw.reason, raw.body) == (201, b"Created", b"hello")
        assert raw.headers == [(b"X-A", b"1"), (b"Content-Length", b"5")]
        assert connection.keep_alive
        assert connection.usable

    in_loop(scenario)


@pytest.mark.parametrize("stream", [False, True], ids=["read", "streamed"])
def test_a_response_keeps_its_headers_and_body_after_the_next_request(stream):
    # The connection hands its lists over to each response and starts new ones: the
    # next request on the same connection must not empty the previous response's.
    async def scenario():
        connection, _ = connect()
        first = send(connection, stream=stream)
        feed(connection, b"HTTP/1.1 200 OK\r\nX-N: 1\r\nContent-Length: 3\r\n\r\none")
        raw = await first
        if stream:
            assert await raw.stream.read_all() == b"one"
        second = send(connection, stream=stream)
        feed(connection, b"HTTP/1.1 200 OK\r\nX-N: 2\r\nContent-Length: 3\r\n\r\ntwo")
        other = await second
        assert raw.headers == [(b"X-N", b"1"), (b"Content-Length", b"3")]
        assert other.headers == [(b"X-N", b"2"), (b"Content-Length", b"3")]
        if not stream:
            assert (raw.body, other.body) == (b"one", b"two")

    in_loop(scenario)


def test_chunked_response():
    async def scenario():
        connection, _ = connect()
        waiter = send(connection)
        feed(
            connection,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            step=4,
        )
        assert (await waiter).body == b"abcde"
        assert connection.usable

    in_loop(scenario)


def test_head_response_ends_with_its_headers():
    async def scenario():
        connection, _ = connect()
        waiter = send(connection, head_only=True)
        feed(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n")
        raw = await waiter
        assert raw.body == b""
        assert connection.usable

    in_loop(scenario)


@pytest.mark.parametrize("status", [204, 304])
def test_bodiless_statuses(status):
    async def scenario():
        connection, _ = connect()
        waiter = send(connection)
        feed(connection, f"HTTP/1.1 {status} X\r\nContent-Length: 9\r\n\r\n".encode())
        assert (await waiter).status == status
        assert connection.usable

    in_loop(scenario)


def test_interim_responses_are_skipped():
    async def scenario():
        connection, _ = connect()
        waiter = send(connection)
        feed(
            connection,
            b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        )
        raw = await waiter
        assert (raw.status, raw.body, raw.headers) == (200, b"ok", [(b"Content-Length", b"2")])

    in_loop(scenario)


def test_noted_headers():
    async def scenario():
        connection, _ = connect()
        waiter = send(connection)
        feed(
            connection,
            b"HTTP/1.1 200 OK\r\ncontent-ENCODING: gzip\r\nSet-Cookie: a=1\r\n"
            b"Content-Length: 0\r\n\r\n",
        )
        raw = await waiter
        assert raw.content_encoding == b"gzip"
        assert raw.sets_cookies

    in_loop(scenario)


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
    ],
)
def test_connection_close_is_not_reused(response):
    async def scenario():
        connection, _ = connect()
        waiter = send(connection)
        feed(connection, response)
        await waiter
        assert not connection.keep_alive
        assert not connection.usable

    in_loop(scenario)


def test_body_until_close():
    async def scenario():
        connection, _ = connect()
        waiter = send(connection)
        feed(connection, b"HTTP/1.1 200 OK\r\n\r\nuntil ")
        feed(connection, b"the end")
        connection.connection_lost(None)
        assert (await waiter).body == b"until the end"
        assert not connection.usable

    in_loop(scenario)


@pytest.mark.parametrize("cause", [None, ConnectionResetError(104, "Connection reset by peer")])
def test_lost_before_any_byte_is_a_no_response(cause):
    async def scenario():
        connection, _ = connect()
        waiter = send(connection)
        connection.connection_lost(cause)
        with pytest.raises(NoResponse) as caught:
            await waiter
        assert caught.value.cause is cause

    in_loop(scenario)


def test_lost_in_the_headers():
    async def scenario():
        connection, _ = connect()
        waiter = send(connection)
        feed(connection, b"HTTP/1.1 200 OK\r\nContent-Le")
        connection.connection_lost(None)
        with pytest.raises(ConnectionError) as caught:
            await waiter
        assert isinstance(caught.value.__cause__, RemoteDisconnected)

    in_loop(scenario)


def test_lost_in_the_body():
    async def scenario():
        connection, _ = connect()
        waiter = send(connection)
        feed(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        connection.connection_lost(None)
        with pytest.raises(ChunkedEncodingError, match=r"IncompleteRead\(3 bytes read\)"):
            await waiter

    in_loop(scenario)


def test_garbage_fails_and_drops_the_connection():
    async def scenario():
        connection, transport = connect()
        waiter = send(connection)
        feed(connection, b"SSH-2.0-OpenSSH\r\n\r\n")
        with pytest.raises(InvalidResponse, match="Invalid HTTP response"):
            await waiter
        assert transport.aborted
        assert not connection.usable

    in_loop(scenario)


def test_a_body_over_the_limit_fails_and_drops_the_connection():
    async def scenario():
        connection, transport = connect()
        waiter = send(connection, max_body=10)
        feed(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 100, step=8)
        with pytest.raises(ResponseTooLarge, match="exceeds 10 bytes"):
            await waiter
        assert transport.aborted

    in_loop(scenario)


def test_unsolicited_bytes_drop_an_idle_connection():
    async def scenario():
        connection, transport = connect()
        connection.data_received(b"HTTP/1.1 200 OK\r\n")
        assert transport.aborted
        assert not connection.usable

    in_loop(scenario)


def test_read_timeout():
    async def scenario():
        connection, transport = connect()
        waiter = send(connection, read_timeout=0.02)
        with pytest.raises(ReadTimeout) as caught:
            await waiter
        assert str(caught.value) == (
            "TestPool(host='h', port=1): Read timed out. (read timeout=0.02)"
        )
        assert transport.aborted

    in_loop(scenario)


def test_bytes_arriving_push_the_read_timeout_back():
    async def scenario():
        connection, _ = connect()
        waiter = send(connection, read_timeout=0.04)
        feed(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n")
        for piece in (b"a", b"b", b"c"):
            await asyncio.sleep(0.025)
            feed(connection, piece)
        await asyncio.sleep(0.025)
        feed(connection, b"d")
        assert (await waiter).body == b"abcd"

    in_loop(scenario)


def test_a_server_silent_after_some_bytes_times_out_one_timeout_after_the_last(monkeypatch):
    # A read timeout counts from the last byte, as a socket's does; not a second whole
    # timeout from the moment the watcher noticed the bytes.
    clock = [100.0]
    monkeypatch.setattr(connection_module, "perf_counter", lambda: clock[0])

    async def scenario():
        connection, _ = connect()
        waiter = send(connection, read_timeout=10.0)  # sent at 100
        clock[0] = 103.0
        feed(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nten bytes!")
        clock[0] = 110.5  # the watcher looks, past the first deadline (loop time 50)
        connection.expire(50.0)
        assert connection.deadline == pytest.approx(52.5)  # 10 s after the last byte
        assert not waiter.done()
        clock[0] = 113.0
        connection.expire(52.5)
        with pytest.raises(ReadTimeout):
            await waiter

    in_loop(scenario)


def test_streamed_response():
    async def scenario():
        connection, _ = connect()
        idle = []
        connection.on_idle = idle.append
        waiter = send(connection, stream=True)
        feed(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc")
        raw = await waiter
        assert raw.body is None
        assert await raw.stream.read_chunk() == b"abc"
        feed(connection, b"def")
        assert await raw.stream.read_all() == b"def"
        assert idle == [connection]
        assert connection.usable

    in_loop(scenario)


def test_a_streamed_body_pauses_reading_when_unread():
    async def scenario():
        connection, transport = connect()
        waiter = send(connection, stream=True)
        feed(connection, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        raw = await waiter
        big = b"x" * 600_000
        for _ in range(2):
            feed(connection, f"{len(big):x}\r\n".encode() + big + b"\r\n")
        assert transport.paused
        await raw.stream.read_chunk()
        await raw.stream.read_chunk()
        assert not transport.paused
        raw.stream.abandon()
        assert transport.aborted

    in_loop(scenario)


def test_the_parser_is_reused_after_a_clean_response_but_not_after_head():
    async def scenario():
        connection, _ = connect()
        waiter = send(connection)
        feed(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await waiter
        first_parser = connection._spare_parser
        assert first_parser is not None
        waiter = send(connection, head_only=True)
        assert connection._parser is first_parser
        feed(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n")
        assert (await waiter).body == b""
        assert connection._spare_parser is None  # a HEAD parser expects a body: not reused
        waiter = send(connection)
        assert connection._parser is not first_parser
        feed(connection, b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello")
        assert ((await waiter).status, connection.usable) == (201, True)

    in_loop(scenario)


def test_bytes_after_a_response_in_the_same_read_get_a_fresh_parser_next():
    async def scenario():
        connection, _ = connect()
        waiter = send(connection)
        feed(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 2")
        assert (await waiter).body == b"ok"
        assert connection._spare_parser is None
        waiter = send(connection)
        feed(connection, b"HTTP/1.1 202 Accepted\r\nContent-Length: 1\r\n\r\n!")
        raw = await waiter
        assert (raw.status, raw.body) == (202, b"!")

    in_loop(scenario)


@pytest.mark.parametrize(
    ("peer_does", "open_after"),
    [("nothing", True), ("close", False), ("write", False), ("lose_its_socket", False)],
)
def test_an_idle_connection_is_asked_at_its_socket_before_reuse(peer_does, open_after):
    async def scenario():
        connection, transport = connect()
        ours, theirs = socket.socketpair()
        transport.sock = ours
        waiter = send(connection)
        feed(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await waiter
        fresh = connection.still_open()  # just used: not asked
        connection._sent -= 1.0  # idle for a second
        if peer_does == "close":
            theirs.close()
        elif peer_does == "write":
            theirs.send(b"x")
        elif peer_does == "lose_its_socket":
            ours.close()  # closed under the transport, before the loop says so
        try:
            return fresh, connection.usable, connection.still_open()
        finally:
            ours.close()
            theirs.close()

    assert in_loop(scenario) == (True, True, open_after)
