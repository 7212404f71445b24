"""``stream=True``: the response returns with its headers; the body is read as it arrives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.servers.harness import Recorder, run_async, run_sync
from tests.servers.http_target import TargetServer, serve_target, url_of

from horde.http import HttpSession


@pytest.fixture(scope="module")
def target() -> Iterator[TargetServer]:
    with serve_target() as server:
        yield server


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def session(target, recorder) -> HttpSession:
    return HttpSession(url_of(target), recorder.hook)


def test_length_comes_from_the_header_and_time_excludes_the_body(session, recorder):
    def task():
        response = session.get("/stream?lines=3&delay=0.1", stream=True)
        recorded_time = recorder.sunk[0][2]
        return recorded_time, list(response.iter_lines())

    recorded_time, lines = run_sync(task, session)
    assert lines == [b"line 0", b"line 1", b"line 2"]
    assert recorded_time < 250  # the body took 300 ms more
    assert recorder.sunk[0][3] == 0  # chunked: no Content-Length
    body = run_sync(lambda: session.get("/huge?size=1000", stream=True).content, session)
    assert recorder.sunk[1][3] == 1000
    assert body == b"x" * 1000


def test_content_reads_the_rest(session):
    def task():
        response = session.get("/huge?size=100000", stream=True)
        return response.content, session.get("/ultra_fast").text

    content, after = run_sync(task, session)
    assert content == b"x" * 100_000
    assert after == "This is an ultra fast response"


def test_iter_content_in_pieces(session):
    def task():
        response = session.get("/chunked", stream=True)
        return list(response.iter_content(chunk_size=4))

    pieces = run_sync(task, session)
    assert b"".join(pieces) == b"chunk one,chunk two,chunk three"
    assert max(len(piece) for piece in pieces) == 4


def test_a_compressed_stream_is_decoded(session):
    def task():
        response = session.get("/gzip", stream=True)
        return b"".join(response.iter_content(None)), response.headers["content-encoding"]

    body, encoding = run_sync(task, session)
    assert body == b"This is an ultra fast response" * 10
    assert encoding == "gzip"


def test_a_fully_read_stream_frees_its_connection(session, target):
    before = target.connections

    def task():
        for _ in range(3):
            response = session.get("/chunked", stream=True)
            assert response.content == b"chunk one,chunk two,chunk three"

    run_sync(task, session)
    assert target.connections - before == 1


def test_closing_an_unread_stream_drops_its_connection(session, target):
    before = target.connections

    def task():
        response = session.get("/huge?size=5000000", stream=True)
        first = next(response.iter_content(1024))
        response.close()
        return first, session.get("/ultra_fast").status_code

    first, status = run_sync(task, session)
    assert first == b"x" * 1024
    assert status == 200
    assert target.connections - before == 2


def test_async_streaming(session):
    async def main():
        response = await session.aget("/stream?lines=2", stream=True)
        pieces = [piece async for piece in response.aiter_content()]
        again = await session.aget("/huge?size=10", stream=True)
        return b"".join(pieces), await again.aread()

    lines, rest = run_async(main, session)
    assert lines == b"line 0\nline 1\n"
    assert rest == b"x" * 10
