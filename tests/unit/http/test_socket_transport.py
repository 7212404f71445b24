"""The plain-TCP transport: stamped reads, buffered writes, and every way a socket ends."""

import asyncio
import errno
import gc
import importlib.util
import select
import socket
import struct
import sys
import threading
import time
import weakref

import pytest

from horde.http import _socket
from horde.http._connection import Connection
from horde.http._socket import _REACTORS, KERNEL_TIMESTAMPS, SocketTransport, open_socket
from horde.runtime import run


class Recorder:
    """A protocol noting what the transport tells it."""

    def __init__(self, keep_open=False):
        self.transport = None
        self.reads = []  # (data, arrived, read at)
        self.eof = False
        self.lost = []
        self.keep_open = keep_open

    def connection_made(self, transport):
        self.transport = transport

    def received_at(self, data, arrived):
        self.reads.append((data, arrived, time.perf_counter()))

    def eof_received(self):
        self.eof = True
        return self.keep_open

    def connection_lost(self, exc):
        self.lost.append(exc)

    @property
    def data(self):
        return b"".join(data for data, _, _ in self.reads)


async def pair(protocol):
    """A transport on a connection to a listener of this test, and the server's end."""
    loop = asyncio.get_running_loop()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        sock = await open_socket(loop, "127.0.0.1", listener.getsockname()[1])
        server, _ = listener.accept()  # already established by the kernel
    return SocketTransport(loop, sock, protocol), server


def _reset(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # RST, not FIN


def busy_loop():
    time.sleep(0.05)  # a real sleep: the loop reads nothing meanwhile


async def until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.001)


@pytest.fixture
def stamping():
    """Wait until the kernel stamps received packets: the first socket asking for stamps
    turns them on for the whole system a moment later, from a work queue, and packets
    arriving meanwhile carry none (a read is then timed when it is made)."""
    if not KERNEL_TIMESTAMPS:
        pytest.skip("the kernel's receive stamps are Linux's")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        sender = socket.create_connection(listener.getsockname())
        receiver, _ = listener.accept()
    receiver.setsockopt(socket.SOL_SOCKET, 35, 1)  # SO_TIMESTAMPNS
    deadline = time.monotonic() + 5
    while True:
        sender.sendall(b".")
        _, ancillary, _, _ = receiver.recvmsg(16, socket.CMSG_SPACE(16))
        if ancillary:
            break
        assert time.monotonic() < deadline, "the kernel never stamped a packet"
        time.sleep(0.01)
    yield  # the receiver keeps stamps on meanwhile
    sender.close()
    receiver.close()


def test_a_read_carries_when_the_data_arrived_not_when_the_loop_read_it(stamping):
    async def main():
        protocol = Recorder()
        transport, server = await pair(protocol)
        sent = time.perf_counter()
        server.sendall(b"hello")
        busy_loop()  # the data waits in the socket
        await until(lambda: protocol.reads)
        transport.abort()
        server.close()
        return sent, protocol.reads[0]

    sent, (data, arrived, read_at) = run(main())
    assert data == b"hello"
    assert read_at - sent >= 0.05
    # The wait in the socket is not in it (the stamp's clock is converted: microseconds).
    assert sent - 0.001 < arrived < sent + 0.01


async def request_sent():
    """A connection on a transport, its GET read by the server: the connection, the
    transport, the server's end, and the response's waiter."""
    connection = Connection(asyncio.get_running_loop())
    transport, server = await pair(connection)
    waiter = connection.send(
        b"GET / HTTP/1.1\r\n\r\n", head_only=False, stream=False, read_timeout=5, max_body=99
    )
    server.recv(100)
    return connection, transport, server, waiter


def test_a_response_ends_when_its_last_read_arrived(stamping):
    async def main():
        connection, transport, server, waiter = await request_sent()
        server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
        await until(lambda: connection._arrived)  # the head alone does not complete it
        server.sendall(b"ok")
        sent = time.perf_counter()
        busy_loop()
        raw = await waiter
        transport.abort()
        server.close()
        return sent, raw

    sent, raw = run(main())
    assert raw.status == 200
    assert raw.body == b"ok"
    assert sent - 0.01 < raw.received < sent + 0.01


def test_a_body_ended_by_the_close_is_timed_at_the_close(stamping):
    async def main():
        connection, _, server, waiter = await request_sent()
        server.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nthe body")
        await until(lambda: connection._arrived)
        await asyncio.sleep(0.1)  # more could come until the server closes
        closed = time.perf_counter()
        server.close()
        raw = await waiter
        return closed, raw

    closed, raw = run(main())
    assert raw.body == b"the body"
    assert raw.received >= closed


def test_what_the_socket_cannot_take_is_sent_when_it_can_then_closed():
    payload = bytes(range(256)) * 40_000  # 10 MB: far more than the socket buffers

    async def main():
        protocol = Recorder()
        transport, server = await pair(protocol)
        transport.write(b"head:")
        transport.write(payload)
        buffered = transport.get_write_buffer_size()
        transport.close()  # after what is buffered
        assert transport.is_closing()
        received = bytearray()
        reader = threading.Thread(target=_read_all, args=(server, received))
        reader.start()
        await until(lambda: protocol.lost)
        await asyncio.to_thread(reader.join, 5)
        server.close()
        return buffered, bytes(received), protocol.lost

    buffered, received, lost = run(main())
    assert buffered > 0
    assert received == b"head:" + payload
    assert lost == [None]


def _read_all(sock, into):
    while chunk := sock.recv(1 << 20):
        into += chunk


def test_abort_drops_what_is_buffered_and_ends_once():
    async def main():
        protocol = Recorder()
        transport, server = await pair(protocol)
        transport.write(b"x" * 20_000_000)
        transport.abort()
        transport.abort()
        transport.close()
        transport.write(b"more")  # ignored once closing
        await asyncio.sleep(0.01)
        server.close()
        return protocol.lost, transport.get_write_buffer_size()

    lost, buffered = run(main())
    assert lost == [None]
    assert buffered == 0


def test_the_peer_closing_reads_as_eof_then_the_end():
    async def main():
        protocol = Recorder()
        _, server = await pair(protocol)
        server.sendall(b"last words")
        server.close()
        await until(lambda: protocol.lost)
        return protocol

    protocol = run(main())
    assert protocol.data == b"last words"
    assert protocol.eof
    assert protocol.lost == [None]


def test_a_reset_ends_the_connection_with_its_error():
    async def main():
        protocol = Recorder()
        transport, server = await pair(protocol)
        _reset(server)
        await until(lambda: protocol.lost)
        transport.write(b"too late")  # ignored: the connection is gone
        return protocol.lost

    (error,) = run(main())
    assert isinstance(error, ConnectionResetError)


@pytest.mark.parametrize("read_first", [True, False], ids=["after-the-data", "right-behind"])
def test_a_reset_behind_data_ends_the_connection_with_its_error(read_first):
    # The socket reports an error (POLLERR) with the reset: the loop's own watch of a
    # socket would stop there without a word, and the response wait for its timeout.
    async def main():
        protocol = Recorder()
        _, server = await pair(protocol)
        server.sendall(b"HTTP/1.1 200 OK\r\nContent-Len")
        if read_first:
            await until(lambda: protocol.reads)
            _reset(server)
        else:
            _reset(server)
            busy_loop()  # both wait in the socket
        await until(lambda: protocol.lost, seconds=2)
        return protocol

    protocol = run(main())
    if read_first:
        assert protocol.data == b"HTTP/1.1 200 OK\r\nContent-Len"
    (error,) = protocol.lost
    assert isinstance(error, ConnectionResetError)


def test_a_paused_connection_hears_of_its_reset_when_resumed():
    async def main():
        protocol = Recorder()
        transport, server = await pair(protocol)
        transport.pause_reading()
        _reset(server)
        await asyncio.sleep(0.05)  # out of the set: its error does not come turn after turn
        before = list(protocol.lost)
        transport.resume_reading()
        await until(lambda: protocol.lost, seconds=2)
        return before, protocol.lost

    before, (error,) = run(main())
    assert before == []
    assert isinstance(error, ConnectionResetError)


def test_the_loops_epoll_set_closes_with_its_last_connection():
    async def main():
        loop = asyncio.get_running_loop()
        first, server_one = await pair(Recorder())
        second, server_two = await pair(Recorder())
        reactor = _REACTORS[loop]()
        first.abort()
        still = _REACTORS[loop]() is reactor
        second.abort()
        server_one.close()
        server_two.close()
        return still, loop in _REACTORS, reactor._epoll.closed

    assert run(main()) == (True, False, True)


def test_a_loop_left_with_open_connections_is_not_kept_alive():
    async def main():
        transport, server = await pair(Recorder())
        return weakref.ref(asyncio.get_running_loop()), transport, server

    loop, transport, server = run(main())
    client = transport.get_extra_info("socket")
    del transport
    gc.collect()
    assert loop() is None
    client.close()
    server.close()


def test_paused_reading_holds_the_data_until_resumed():
    async def main():
        protocol = Recorder()
        transport, server = await pair(protocol)
        transport.pause_reading()
        assert not transport.is_reading()
        server.sendall(b"later")
        await asyncio.sleep(0.05)
        before = protocol.data
        transport.resume_reading()
        await until(lambda: protocol.reads)
        transport.abort()
        server.close()
        return before, protocol.data

    before, after = run(main())
    assert before == b""
    assert after == b"later"


def test_extra_info_names_both_ends():
    async def main():
        transport, server = await pair(Recorder())
        info = (
            transport.get_extra_info("peername"),
            transport.get_extra_info("sockname"),
            transport.get_extra_info("socket") is not None,
            transport.get_extra_info("compression", "none"),
        )
        expected = (server.getsockname(), server.getpeername())
        transport.abort()
        server.close()
        return info, expected

    (peer, own, has_socket, other), (server_end, client_end) = run(main())
    assert (peer, own, has_socket, other) == (server_end, client_end, True, "none")


def test_opening_a_refused_port_fails_as_create_connection_does():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

    async def main():
        return await open_socket(asyncio.get_running_loop(), "127.0.0.1", port)

    with pytest.raises(ConnectionRefusedError):
        run(main())


class Connected:
    """A socket whose connect is under way by its own account, yet already done."""

    def connect(self, address):
        raise BlockingIOError

    def getpeername(self):
        return ("127.0.0.1", 80)


def test_a_connection_already_made_is_not_waited_for(monkeypatch):
    def no_reactor(loop):
        raise AssertionError("waited for the loop")

    monkeypatch.setattr(_socket, "_reactor", no_reactor)

    async def main():
        await _socket._connect(asyncio.get_running_loop(), Connected(), ("127.0.0.1", 80))

    run(main())


class Addresses:
    """A loop whose name lookups give ``addresses``, in that order."""

    def __init__(self, loop, addresses):
        self._loop = loop
        self._addresses = addresses

    def __getattr__(self, name):
        return getattr(self._loop, name)

    async def getaddrinfo(self, host, port, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
            for address in self._addresses
        ]


def test_every_address_refusing_fails_with_their_error_not_a_list():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

    async def main():
        loop = Addresses(asyncio.get_running_loop(), ["127.0.0.2", "127.0.0.1"])
        return await open_socket(loop, "localhost", port)

    with pytest.raises(ConnectionRefusedError) as failure:
        run(main())
    assert failure.value.errno == errno.ECONNREFUSED


def test_the_next_address_is_tried_when_one_refuses():
    async def main():
        with socket.create_server(("127.0.0.1", 0)) as listener:
            port = listener.getsockname()[1]
            loop = Addresses(asyncio.get_running_loop(), ["127.0.0.2", "127.0.0.1"])
            with await open_socket(loop, "localhost", port) as sock:
                return sock.getpeername()

    assert run(main())[0] == "127.0.0.1"


@pytest.mark.parametrize("aborted_first", [False, True])
def test_a_failing_protocol_ends_the_connection_once(aborted_first):
    class Failing(Recorder):
        def received_at(self, data, arrived):
            if aborted_first:
                self.transport.abort()
            raise ValueError("the parser broke")

    async def main():
        protocol = Failing()
        transport, server = await pair(protocol)
        server.sendall(b"anything")
        await until(lambda: protocol.lost)
        server.close()
        return transport, protocol.lost

    transport, (error,) = run(main())
    assert error is None if aborted_first else isinstance(error, ValueError)
    assert transport.is_closing()


class Stamping:
    """A socket whose reads carry stamps of a chosen age, and whose TCP_INFO says how
    many segments came out of order so far."""

    def __init__(self):
        self.reads = []  # (size, age of the stamp in seconds)
        self.out_of_order = 0

    def recvmsg(self, size, ancillary_size):
        length, age = self.reads.pop(0)
        stamp = time.time() - age
        seconds = int(stamp)
        payload = struct.pack("@ll", seconds, int((stamp - seconds) * 1e9))
        return b"x" * length, [(socket.SOL_SOCKET, 35, payload)], 0, None

    def getsockopt(self, level, option, length):
        info = bytearray(232)
        struct.pack_into("@I", info, 224, self.out_of_order)
        return bytes(info)


def test_a_stamp_is_kept_only_when_nothing_waited_behind_a_lost_segment():
    async def main():
        protocol = Recorder()
        transport, server = await pair(protocol)
        real, fake = transport._sock, Stamping()
        transport._sock = fake
        verdicts = []

        def read(size, age, out_of_order):
            fake.reads.append((size, age))
            fake.out_of_order = out_of_order
            transport._read()
            _, arrived, read_at = protocol.reads[-1]
            waited = read_at - arrived
            verdicts.append("stamp" if waited > age / 2 else "read")

        try:
            read(100, 0.2, 0)  # the data waited, and nothing came out of order
            read(100, 0.0005, 0)  # close enough: kept (the kernel is not asked)
            await asyncio.sleep(0.25)
            read(100, 0.2, 3)  # segments came out of order since the last look
            await asyncio.sleep(0.25)
            read(100, 0.2, 3)  # ... and none since
            await asyncio.sleep(0.02)
            read(100, 0.2, 3)  # older than the last read, which emptied the socket
            read(65536, 0.0005, 3)  # a read that filled its buffer may leave data behind
            read(100, 0.1, 3)  # ... so data older than it is not suspect
        finally:
            transport._sock = real
            transport.abort()
            server.close()
        return verdicts

    assert run(main()) == ["stamp", "stamp", "read", "stamp", "read", "stamp", "stamp"]


def test_the_module_imports_where_there_is_no_epoll(monkeypatch):
    # Elsewhere than Linux, connections keep the loop's transports; the pool still
    # imports this module.
    for name in [name for name in dir(select) if name.startswith("EPOLL")] + ["epoll"]:
        monkeypatch.delattr(select, name)
    monkeypatch.setattr(sys, "platform", "darwin")
    spec = importlib.util.spec_from_file_location("elsewhere", _socket.__file__)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.KERNEL_TIMESTAMPS is False
