"""catch_response and rest() over real requests (§2.3, §2.4)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from tests.servers.harness import Recorder, run_sync
from tests.servers.http_target import TargetServer, serve_target, url_of
from tests.servers.misbehaving import free_port

from horde.exceptions import CatchResponseError, LocustError, ResponseError
from horde.http import FastHttpSession, HttpSession


@pytest.fixture(scope="module")
def target() -> Iterator[TargetServer]:
    with serve_target() as server:
        yield server


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(params=[HttpSession, FastHttpSession], ids=["HttpSession", "FastHttpSession"])
def session(request, target, recorder):
    return request.param(url_of(target), recorder.hook)


def test_success_on_a_404(session, recorder):
    def task():
        with session.get("/status/404", catch_response=True) as response:
            if response.status_code == 404:
                response.success()

    run_sync(task, session)
    assert recorder.exceptions == [None]
    assert len(recorder.events) == 1


def test_failure_on_a_200(session, recorder):
    def task():
        with session.get("/ultra_fast", catch_response=True) as response:
            if "fast" in response.text:
                response.failure("too fast")

    run_sync(task, session)
    (exception,) = recorder.exceptions
    assert isinstance(exception, CatchResponseError)
    assert repr(exception) == "CatchResponseError('too fast')"


def test_a_response_error_raised_in_the_block(session, recorder):
    def task():
        with session.get("/ultra_fast", catch_response=True):
            raise ResponseError("content was wrong")
        return "went on"

    assert run_sync(task, session) == "went on"
    assert [repr(e) for e in recorder.exceptions] == ["ResponseError('content was wrong')"]


def test_a_never_entered_request_is_never_reported(session, recorder):
    def task():
        response = session.get("/ultra_fast", catch_response=True)
        with pytest.raises(LocustError):
            response.success()

    run_sync(task, session)
    assert recorder.sunk == []


def test_default_outcome_by_status(session, recorder):
    def task():
        with session.get("/fail", catch_response=True):
            pass
        with session.get("/ultra_fast", catch_response=True):
            pass

    run_sync(task, session)
    first, second = recorder.exceptions
    assert first is not None
    assert second is None


def test_a_connection_error_can_be_declared_a_success(recorder):
    session = HttpSession(f"http://127.0.0.1:{free_port()}", recorder.hook)

    def task():
        with session.get("/", catch_response=True) as response:
            assert response.status_code == 0
            response.success()

    run_sync(task, session)
    assert recorder.exceptions == [None]


def test_a_with_block_without_catch_response(session):
    """HttpSession refuses it; FastHttpSession's response closes there, as Locust's
    ``FastResponse`` (geventhttpclient's) does."""

    def task():
        with session.get("/ultra_fast") as response:
            return response.status_code

    if isinstance(session, FastHttpSession):
        assert run_sync(task, session) == 200
        return
    with pytest.raises(LocustError, match="you must also pass catch_response=True"):
        run_sync(task, session)


def test_renaming_inside_the_block(session, recorder):
    def task():
        with session.get("/ultra_fast?id=5", catch_response=True) as response:
            response.request_meta["name"] = "/ultra_fast?id=[id]"

    run_sync(task, session)
    assert recorder.names == ["/ultra_fast?id=[id]"]


def test_rest_parses_json_and_sets_json_headers(session, recorder):
    def task():
        with session.rest("POST", "/echo", json={"a": 1}) as response:
            return response.js

    echoed = run_sync(task, session)
    assert echoed["headers"]["Content-Type"] == "application/json"
    assert echoed["headers"]["Accept"] == "application/json"
    assert echoed["body"] == '{"a": 1}'
    assert recorder.exceptions == [None]


def test_rest_keeps_given_headers_in_any_case(session):
    def task():
        with session.rest("GET", "/echo", headers={"content-type": "text/x", "ACCEPT": "a/b"}) as r:
            return {name.lower(): value for name, value in r.js["headers"].items()}

    headers = run_sync(task, session)
    assert headers["content-type"] == "text/x"
    assert headers["accept"] == "a/b"


def test_rest_fails_a_body_that_is_not_json(session, recorder):
    def task():
        with session.rest("GET", "/ultra_fast") as response:
            assert response.js is None

    run_sync(task, session)
    (exception,) = recorder.exceptions
    assert str(exception) == (
        "Could not parse response as JSON. This is an ultra fast response, response code 200, "
        "error Expecting value: line 1 column 1 (char 0)"
    )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (None, "Assertion failed"),
        ("wrong name", "wrong name"),
        ("wrong name,", 'wrong name, response was {"name": "horde", "items": [1, 2, 3]}'),
    ],
)
def test_rest_turns_assertions_into_failures(session, recorder, message, expected):
    def task():
        with session.rest("GET", "/json") as response:
            if response.js["name"] != "other":
                # Raised by hand: pytest rewrites the message of a plain assert in tests.
                raise AssertionError(*([message] if message is not None else []))
        return "went on"

    assert run_sync(task, session) == "went on"
    assert [str(e) for e in recorder.exceptions] == [expected]


def test_rest_turns_other_exceptions_into_failures(session, recorder):
    def task():
        with session.rest("GET", "/json") as response:
            response.js["missing"]

    run_sync(task, session)
    (text,) = [str(e) for e in recorder.exceptions]
    assert re.fullmatch(
        r"KeyError: 'missing' at .*test_http_catch_response\.py:\d+ in task\. "
        r'Response was \{"name": "horde", "items": \[1, 2, 3\]\}',
        text,
    ), text


def test_rest_with_a_connection_error(recorder):
    session = HttpSession(f"http://127.0.0.1:{free_port()}", recorder.hook)

    def task():
        with session.rest("GET", "/x") as response:
            assert response.js is None

    run_sync(task, session)
    (exception,) = recorder.exceptions
    assert "Connection refused" in str(exception)


def test_rest_underscore_busts_the_cache(session, recorder):
    def task():
        with session.rest_("GET", "/echo") as first:
            pass
        with session.rest_("GET", "/echo?a=1") as second:
            pass
        with session.rest_("GET", "/echo", name="mine") as third:
            pass
        return first.js["path"], second.js["path"], third.js["path"]

    paths = run_sync(task, session)
    assert re.fullmatch(r"/echo\?_=\d{13}", paths[0])
    assert re.fullmatch(r"/echo\?a=1&_=\d{13}", paths[1])
    assert recorder.names == ["/echo?_=...", "/echo?a=1&_=...", "mine"]
