"""FastHttpSession: where it differs from HttpSession (§2.5)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.servers.harness import FakeUser, Recorder, run_async, run_sync
from tests.servers.http_target import TargetServer, serve_target, url_of

from horde.http import (
    VALID_STATUS_CODES,
    ConnectionPool,
    FastHttpSession,
    FastResponse,
    LocustBadStatusCode,
)


@pytest.fixture(scope="module")
def target() -> Iterator[TargetServer]:
    with serve_target() as server:
        yield server


@pytest.fixture
def base(target) -> str:
    return url_of(target)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def session(base, recorder) -> FastHttpSession:
    return FastHttpSession(base, recorder.hook, FakeUser({"u": 1}))


def test_name_is_the_url_as_given(session, recorder, base):
    def task():
        session.get("/echo?a=1")
        session.get(f"{base}/echo")
        session.get("/echo", params={"p": "1"})
        session.get("/echo", name="named")
        with session.rename_request("grouped"):
            session.get("/echo")

    run_sync(task, session)
    assert recorder.names == ["/echo?a=1", f"{base}/echo", "/echo", "named", "grouped"]


def test_success_is_a_fixed_set_of_codes(session, recorder):
    codes = [200, 201, 209, 226, 299, 304, 404, 500]

    def task():
        return [session.get(f"/status/{code}").status_code for code in codes]

    assert run_sync(task, session) == codes
    recorded = dict(zip(codes, recorder.exceptions, strict=True))
    for code, exception in recorded.items():
        if code in VALID_STATUS_CODES:
            assert exception is None, code
        else:
            assert repr(exception) == f"LocustBadStatusCode(code={code})"


def test_a_bad_status_is_stored_on_the_response(session, recorder, base):
    response = run_sync(lambda: session.get("/fail"), session)
    assert isinstance(response, FastResponse)
    assert isinstance(response.error, LocustBadStatusCode)
    assert response.error.url == f"{base}/fail"
    assert response.text == "This response failed"
    assert not response.ok
    with pytest.raises(LocustBadStatusCode):
        response.raise_for_status()
    assert recorder.exceptions == [response.error]


def test_the_event_url_is_the_url_before_redirects(session, recorder, base):
    response = run_sync(lambda: session.get("/redirect?url=/json"), session)
    assert response.json()["name"] == "horde"
    event = recorder.only()
    assert event["url"] == f"{base}/redirect?url=/json"
    assert event["name"] == "/redirect?url=/json"
    assert event["context"] == {"u": 1}
    assert response.url == f"{base}/redirect?url=/json"


def test_default_headers(session, base):
    headers = run_sync(lambda: session.get("/echo").json()["headers"], session)
    assert headers["Accept-Encoding"] in ("gzip, deflate", "gzip, deflate, br")
    assert headers["User-Agent"].startswith("horde/")
    assert "Accept" not in headers
    with_defaults = FastHttpSession(base, Recorder().hook, headers={"X-Default": "1"})
    headers = run_sync(lambda: with_defaults.get("/echo").json()["headers"], with_defaults)
    assert headers["X-Default"] == "1"


def test_json_sets_content_type_and_accept_unless_data_is_given(session):
    def task():
        document = session.post("/echo", json={"a": 1}).json()
        data_wins = session.post("/echo", data="raw", json={"a": 1}).json()
        own_accept = session.post("/echo", json=[1], headers={"accept": "x/y"}).json()
        return document, data_wins, own_accept

    document, data_wins, own_accept = run_sync(task, session)
    assert document["body"] == '{"a": 1}'
    assert document["headers"]["Content-Type"] == "application/json"
    assert document["headers"]["Accept"] == "application/json"
    assert data_wins["body"] == "raw"
    assert "Accept" not in data_wins["headers"]
    assert own_accept["headers"]["accept"] == "x/y"


def test_auth_and_credentials_in_the_host(session, base, recorder):
    assert run_sync(lambda: session.get("/basic_auth", auth=("user", "pass")), session).ok
    host = base.split("://")[1]
    with_credentials = FastHttpSession(f"http://user:pass@{host}", recorder.hook)
    response = run_sync(lambda: with_credentials.get("/basic_auth"), with_credentials)
    assert response.status_code == 200


def test_redirects_can_be_turned_off(session, recorder):
    response = run_sync(lambda: session.get("/redirect", allow_redirects=False), session)
    assert response.status_code == 302
    assert recorder.exceptions == [None]


def test_timeouts_from_the_constructor(base, recorder):
    session = FastHttpSession(base, recorder.hook, network_timeout=0.05, connection_timeout=1)
    response = run_sync(lambda: session.get("/slow?delay=0.5"), session)
    assert response.status_code == 0
    assert "Read timed out" in repr(recorder.exceptions[0])


def test_cookies(session):
    def task():
        session.get("/set_cookie?k=v")
        return session.get("/get_cookie?name=k").text

    assert run_sync(task, session) == "v"
    assert session.cookiejar.get_dict() == {"k": "v"}


def test_iter_lines(session, recorder):
    lines = run_sync(lambda: list(session.iter_lines("/stream?lines=4")), session)
    assert lines == ["line 0", "line 1", "line 2", "line 3"]
    assert recorder.names == ["/stream?lines=4"]


def test_async_iter_lines(session):
    async def main():
        return [line async for line in session.aiter_lines("/stream?lines=3")]

    assert run_async(main, session) == ["line 0", "line 1", "line 2"]


def test_a_streamed_response_in_a_with_block_is_read_then_closed(session, recorder):
    """Locust's FastResponse is a context manager without catch_response too (its
    ``memory_optimized.py`` example streams a download in one)."""

    def task():
        with session.get("/stream?lines=3", stream=True) as response:
            content = response.content
        with session.get("/stream?lines=3", stream=True) as unread:
            pass
        return content, unread._stream

    assert run_sync(task, session) == (b"line 0\nline 1\nline 2\n", None)  # dropped at exit
    assert recorder.names == ["/stream?lines=3"] * 2
    assert recorder.exceptions == [None, None]


def test_catch_response_with_a_bad_status(session, recorder):
    def task():
        with session.get("/status/404", catch_response=True) as response:
            assert isinstance(response.error, LocustBadStatusCode)
            response.success()

    run_sync(task, session)
    assert recorder.exceptions == [None]


def test_a_shared_client_pool(base, target):
    pool = ConnectionPool()
    first = FastHttpSession(base, Recorder().hook, client_pool=pool)
    second = FastHttpSession(base, Recorder().hook, client_pool=pool)
    before = target.connections

    def task():
        first.get("/")
        second.get("/")

    run_sync(task, first)
    assert first.pool is second.pool is pool
    assert target.connections - before == 1


def test_async_request(session, recorder):
    async def main():
        return await session.aget("/status/500")

    assert run_async(main, session).status_code == 500
    assert repr(recorder.exceptions[0]) == "LocustBadStatusCode(code=500)"
