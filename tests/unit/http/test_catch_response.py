"""§2.3: the exit rules of catch_response blocks, on responses built by hand."""

import pytest

from horde.event import EventHook
from horde.exceptions import CatchResponseError, InterruptTaskSet, LocustError, ResponseError
from horde.http import ConnectionError, HTTPError, ResponseContextManager


def armed(recorder, status=200, error=None, name="/x"):
    response = ResponseContextManager(status, b"Reason", [], None if error else b"body", None, "u")
    response.error = error
    meta = {
        "request_type": "GET",
        "response_time": 1.5,
        "name": name,
        "context": {},
        "response": response,
        "exception": None,
        "start_time": 1.0,
        "url": "http://h/x",
        "response_length": 4,
    }
    response.arm(recorder.hook, meta)
    return response


def test_a_with_block_needs_catch_response():
    response = ResponseContextManager(200, b"OK", [], b"", None, "u")
    with pytest.raises(LocustError) as caught, response:
        pass
    assert str(caught.value) == (
        "In order to use a with-block for requests, you must also pass catch_response=True"
    )


def test_not_entered_is_never_reported_and_cannot_be_set(recorder):
    response = armed(recorder)
    with pytest.raises(LocustError, match="Tried to set status on a request that has not yet"):
        response.success()
    with pytest.raises(LocustError, match=r"response\.failure\(\.\.\.\)"):
        response.failure("x")
    assert recorder.sunk == []


def test_success_overrides_a_bad_status(recorder):
    with armed(recorder, 404) as response:
        response.success()
    assert recorder.exceptions == [None]


def test_success_overrides_a_connection_error(recorder):
    with armed(recorder, 0, error=ConnectionRefusedError(111, "Connection refused")) as response:
        response.success()
    assert recorder.exceptions == [None]


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("text", CatchResponseError("text")),
        (42, CatchResponseError(42)),
        (None, CatchResponseError(None)),
        (ValueError("v"), ValueError("v")),
    ],
)
def test_failure_wraps_anything_but_an_exception(recorder, argument, expected):
    with armed(recorder) as response:
        response.failure(argument)
    (recorded,) = recorder.exceptions
    assert repr(recorded) == repr(expected)
    if isinstance(argument, Exception):
        assert recorded is argument


def test_the_last_call_wins(recorder):
    with armed(recorder) as response:
        response.failure("1")
        response.success()
        response.failure("2")
        response.success()
    assert recorder.exceptions == [None]


def _fail_then_raise(response):
    with response:
        response.failure("bad")
        raise KeyError("k")


def test_a_manual_result_is_reported_and_the_exception_goes_on(recorder):
    response = armed(recorder)
    with pytest.raises(KeyError):
        _fail_then_raise(response)
    assert [repr(e) for e in recorder.exceptions] == ["CatchResponseError('bad')"]


def test_a_response_error_fails_the_request_and_is_swallowed(recorder):
    error = ResponseError("not what we wanted")
    with armed(recorder):
        raise error
    assert recorder.exceptions == [error]


def test_any_other_exception_leaves_no_record(recorder):
    with pytest.raises(InterruptTaskSet), armed(recorder):
        raise InterruptTaskSet
    assert recorder.sunk == []
    assert recorder.events == []


@pytest.mark.parametrize(
    ("status", "failed"), [(200, False), (302, False), (404, True), (500, True)]
)
def test_without_a_decision_the_status_decides_with_the_name_as_url(recorder, status, failed):
    with armed(recorder, status, name="/item/[id]"):
        pass
    (exception,) = recorder.exceptions
    if failed:
        assert isinstance(exception, HTTPError)
        kind = "Client" if status < 500 else "Server"
        assert str(exception) == f"{status} {kind} Error: Reason for url: /item/[id]"
    else:
        assert exception is None


def test_a_connection_error_is_recorded_as_its_innermost_cause(recorder):
    refused = ConnectionRefusedError(111, "Connection refused")
    wrapper = ConnectionError("pool: refused")
    wrapper.__cause__ = refused
    with armed(recorder, 0, error=wrapper):
        pass
    assert recorder.exceptions == [refused]


def test_raise_for_status_respects_manual_results(recorder):
    with armed(recorder, 500) as response:
        with pytest.raises(HTTPError):
            response.raise_for_status()
        response.success()
        response.raise_for_status()
        assert response.ok
        error = RuntimeError("manual")
        response.failure(error)
        with pytest.raises(RuntimeError, match="manual"):
            response.raise_for_status()
        assert not response.ok


def test_request_meta_is_what_gets_reported(recorder):
    with armed(recorder) as response:
        response.request_meta["name"] = "renamed"
        response.request_meta["context"] = {"tag": 1}
    assert recorder.names == ["renamed"]
    event = recorder.only()
    assert event["name"] == "renamed"
    assert event["context"] == {"tag": 1}
    assert set(event) == {
        "request_type",
        "response_time",
        "name",
        "context",
        "response",
        "exception",
        "start_time",
        "url",
        "response_length",
    }


def test_reports_go_to_sink_and_listeners_exactly_once(recorder):
    with armed(recorder):
        pass
    assert recorder.sunk == [("GET", "/x", 1.5, 4, None)]
    assert len(recorder.events) == 1


def test_a_plain_event_hook_is_fired_normally():
    hook = EventHook()
    seen = []
    hook.add_listener(lambda **kwargs: seen.append(kwargs["name"]))
    response = ResponseContextManager(200, b"OK", [], b"", None, "u")
    response.arm(hook, {"name": "/plain", "exception": None})
    with response:
        pass
    assert seen == ["/plain"]
