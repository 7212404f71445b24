"""Misbehaving servers: every case is a recorded failure with ``status_code == 0``, and the
user's task goes on (no exception reaches it)."""

from __future__ import annotations

import asyncio
import gc
import socket
import time
import tracemalloc
from collections.abc import Iterator

import pytest
from tests.servers.harness import Recorder, run_sync
from tests.servers.http_target import TargetServer, serve_target, url_of
from tests.servers.misbehaving import BEHAVIOURS, free_port, serve_raw

import horde.http._connection as connection_module
from horde.compat import locust_alias
from horde.http import (
    ChunkedEncodingError,
    ConnectionError,
    ConnectTimeout,
    ContentDecodingError,
    FastHttpSession,
    HttpSession,
    ReadTimeout,
    ResponseTooLarge,
)
from horde.runtime import await_


@pytest.fixture(scope="module")
def target() -> Iterator[TargetServer]:
    with serve_target() as server:
        yield server


def _then_a_good_request(session, good_url, path):
    """The failing request, then one to a healthy server from the same task."""

    def task():
        failed = session.get(path, timeout=0.3)
        healthy = session.get(f"{good_url}/ultra_fast")
        return failed, healthy

    return run_sync(task, session)


@pytest.mark.parametrize(
    ("behaviour", "recorded"),
    [
        ("reset_before_response", "ConnectionResetError(104, 'Connection reset by peer')"),
        (
            "close_before_response",
            "RemoteDisconnected('Remote end closed connection without response')",
        ),
        ("reset_mid_headers", "ConnectionResetError(104, 'Connection reset by peer')"),
        (
            "truncated_body",
            "ChunkedEncodingError('Connection broken: IncompleteRead(10 bytes read)')",
        ),
        ("garbage", "InvalidResponse('Invalid HTTP response: Expected HTTP/, RTSP/ or ICE/')"),
        (
            "garbage_headers",
            "InvalidResponse('Invalid HTTP response: Invalid character in Content-Length')",
        ),
        ("never_answers", None),
        ("huge_content_length", "ResponseTooLarge('Response body exceeds 1048576 bytes')"),
        ("endless_headers", "InvalidResponse('Response headers exceed 1048576 bytes')"),
        ("gzip_garbage", None),
    ],
)
def test_a_misbehaving_server_is_a_recorded_failure(target, behaviour, recorded):
    recorder = Recorder()
    with serve_raw(BEHAVIOURS[behaviour]) as bad_url:
        session = HttpSession(bad_url, recorder.hook, max_body_size=1 << 20)
        failed, healthy = _then_a_good_request(session, url_of(target), "/path")
    assert failed.status_code == 0
    assert failed.content is None
    assert failed.error is not None
    assert healthy.status_code == 200
    assert [entry[1] for entry in recorder.sunk] == ["/path", "/ultra_fast"]
    exception = recorder.exceptions[0]
    if recorded is not None:
        assert repr(exception) == recorded
    assert recorder.exceptions[1] is None
    assert recorder.events[0]["exception"] is exception
    assert recorder.events[0]["response"] is failed


def test_the_timeout_and_decoding_cases_in_detail(target):
    recorder = Recorder()
    with (
        serve_raw(BEHAVIOURS["never_answers"]) as silent,
        serve_raw(BEHAVIOURS["gzip_garbage"]) as not_gzip,
    ):
        session = HttpSession(silent, recorder.hook)
        run_sync(lambda: (session.get("/", timeout=0.1), session.get(f"{not_gzip}/z")), session)
    timeout, decoding = recorder.exceptions
    assert isinstance(timeout, ReadTimeout)
    assert str(timeout).endswith("Read timed out. (read timeout=0.1)")
    assert isinstance(decoding, ContentDecodingError)
    assert "content-encoding: gzip, but failed to decode it" in str(decoding)


def test_a_refused_connection(target):
    recorder = Recorder()
    session = HttpSession(f"http://127.0.0.1:{free_port()}", recorder.hook)
    response = run_sync(lambda: session.get("/x"), session)
    assert response.status_code == 0
    assert response.content is None
    assert isinstance(response.error, ConnectionError)
    (exception,) = recorder.exceptions
    assert repr(exception) == "ConnectionRefusedError(111, 'Connection refused')"
    assert recorder.names == ["/x"]
    assert recorder.only()["response_length"] == 0


def test_an_unknown_host(target):
    recorder = Recorder()
    session = HttpSession("http://nonexistent.invalid", recorder.hook)
    response = run_sync(lambda: session.get("/x", timeout=5), session)
    assert response.status_code == 0
    assert isinstance(recorder.exceptions[0], socket.gaierror)


def test_a_connect_timeout():
    # A listener that never accepts, with its backlog full: further SYNs are dropped.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(listener.getsockname())
            fillers.append(filler)
        recorder = Recorder()
        port = listener.getsockname()[1]
        session = HttpSession(f"http://127.0.0.1:{port}", recorder.hook)
        response = run_sync(lambda: session.get("/", timeout=(0.2, 5)), session)
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
    assert response.status_code == 0
    (exception,) = recorder.exceptions
    assert isinstance(exception, ConnectTimeout)
    assert str(exception) == (
        f"HTTPConnectionPool(host='127.0.0.1', port={port}): "
        "Connection to 127.0.0.1 timed out. (connect timeout=0.2)"
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_keep_alive_connection_closed_without_a_response_is_a_failure_not_a_resend(method):
    # As Locust's clients: a POST must not reach the server twice, and a server that
    # drops requests must not look healthy.
    recorder = Recorder()
    with serve_raw(BEHAVIOURS["one_request_per_connection"]) as url:
        session = HttpSession(url, recorder.hook)
        send = getattr(session, method)
        responses = run_sync(lambda: [send("/a") for _ in range(4)], session)
    assert [r.status_code for r in responses] == [200, 0, 200, 0]
    assert [type(e).__name__ for e in recorder.exceptions] == [
        "NoneType",
        "RemoteDisconnected",
        "NoneType",
        "RemoteDisconnected",
    ]


@pytest.mark.parametrize("loop", ["free", "blocked"])
def test_a_connection_the_server_closed_while_idle_is_not_reused(loop):
    # A free loop reads the close as it comes; a blocked one has not read it yet, and the
    # socket itself is asked.
    assert connection_module.CHECK_AFTER_IDLE_S < 0.3
    recorder = Recorder()
    with serve_raw(BEHAVIOURS["closes_when_idle"]) as url:
        session = HttpSession(url, recorder.hook)

        def two_requests_apart():
            first = session.get("/a")
            if loop == "free":
                await_(asyncio.sleep(0.3))
            else:
                time.sleep(0.3)  # blocks the loop: nobody reads the server's close
            return [first, session.get("/b")]

        responses = run_sync(two_requests_apart, session)
    assert [r.status_code for r in responses] == [200, 200]
    assert recorder.exceptions == [None, None]


def test_a_fresh_connection_that_dies_is_not_retried():
    recorder = Recorder()
    with serve_raw(BEHAVIOURS["close_before_response"]) as url:
        session = HttpSession(url, recorder.hook)
        response = run_sync(lambda: session.get("/"), session)
    assert response.status_code == 0
    assert len(recorder.sunk) == 1


def test_fast_session_failures_are_raw_socket_errors():
    recorder = Recorder()
    session = FastHttpSession(f"http://127.0.0.1:{free_port()}", recorder.hook)
    response = run_sync(lambda: session.get("/x"), session)
    assert response.status_code == 0
    assert response.content is None
    assert response.text is None
    assert repr(response.error) == "ConnectionRefusedError(111, 'Connection refused')"
    assert repr(recorder.exceptions[0]) == "ConnectionRefusedError(111, 'Connection refused')"


def test_closing_the_session_drops_a_stream_left_unread(target):
    recorder = Recorder()
    session = HttpSession(url_of(target), recorder.hook)

    def task():
        response = session.get("/huge?size=5000000", stream=True)
        next(response.iter_content(10))
        session.close()  # what the runner does when the user stops
        with pytest.raises(ChunkedEncodingError, match="Connection broken"):
            response.content  # noqa: B018 - reading is the point

    run_sync(task)
    assert session.pool.idle_count() == 0


def test_a_session_without_a_request_event(target):
    session = HttpSession(url_of(target), None)
    assert run_sync(lambda: session.get("/").status_code, session) == 200


@pytest.mark.parametrize("behaviour", ["huge_content_length", "gzip_bomb"])
def test_a_body_over_the_limit_is_freed_at_once_even_if_collections_are_rare(behaviour):
    """A run collects cycles rarely, and a failed request's error would hold its call's
    frames in one: the body read, or decoded, so far must not wait for that (tens of MB
    per failure; a gzip bomb decodes to the limit from a few KB)."""
    limit = 4 << 20
    with serve_raw(BEHAVIOURS[behaviour]) as bad_url:
        session = HttpSession(bad_url, Recorder(listener=False).hook, max_body_size=limit)

        def task() -> list[int]:
            held = []
            for _ in range(6):
                response = session.get("/")
                assert isinstance(response.error, ResponseTooLarge)
                assert response.error.__traceback__ is None
                held.append(tracemalloc.get_traced_memory()[0])
            return held

        gc.disable()
        tracemalloc.start()
        try:
            held = run_sync(task, session)
        finally:
            tracemalloc.stop()
            gc.enable()
    # Without the release, each failure would keep its 4 MB until the next collection.
    assert max(held) < 2 * limit, held


def test_a_request_a_timeout_interrupts_is_not_recorded_and_its_connection_not_reused():
    # As under gevent: the Timeout passes through the client, and the late answer to the
    # interrupted request must not be read as the next request's.
    indexes: dict[socket.socket, int] = {}

    def slow_first_answer(connection, number):
        index = indexes.setdefault(connection, len(indexes))
        if (index, number) == (0, 0):
            time.sleep(0.5)
        body = f"{index}-{number}".encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        connection.sendall(head + body)

    recorder = Recorder()
    with serve_raw(slow_first_answer) as url, locust_alias():
        import gevent

        session = HttpSession(url, recorder.hook)

        def interrupted_then_another():
            with pytest.raises(gevent.Timeout):
                with gevent.Timeout(0.1):
                    session.get("/interrupted")
            return session.get("/next").text

        assert run_sync(interrupted_then_another, session) == "1-0"
    assert recorder.names == ["/next"]
