import pytest

from horde.exceptions import CatchResponseError
from horde.stats import ExceptionLog, StatsError


class Thing:
    pass


def test_parse_error_uses_repr_and_hides_addresses():
    first = StatsError.parse_error(ValueError(Thing()))
    second = StatsError.parse_error(ValueError(Thing()))
    assert first == second
    assert "object at 0x....>" in first


@pytest.mark.parametrize(
    ("error", "text"),
    [
        ("plain text", "plain text"),
        (ValueError("x"), "ValueError('x')"),
        (None, "None"),
        ("object at 0x1234 without an end", "object at 0x1234 without an end"),
    ],
)
def test_parse_error(error, text):
    assert StatsError.parse_error(error) == text


def test_create_key_is_sha256_of_method_name_and_text():
    key = StatsError.create_key("GET", "/x", ConnectionRefusedError(111, "Connection refused"))
    assert key == StatsError.create_key(
        "GET", "/x", "ConnectionRefusedError(111, 'Connection refused')"
    )
    assert key != StatsError.create_key(
        "POST", "/x", "ConnectionRefusedError(111, 'Connection refused')"
    )
    assert len(key) == 64


@pytest.mark.parametrize(
    ("error", "name"),
    [
        (CatchResponseError("Got 404!"), "GET /nope: Got 404!"),
        ("CatchResponseError('Got 404!')", "GET /nope: 'Got 404!'"),
        ("HTTPError('500')", "GET /nope: HTTPError('500')"),
        (
            ConnectionRefusedError(111, "Connection refused"),
            "GET /nope: ConnectionRefusedError(111, 'Connection refused')",
        ),
        (CatchResponseError(), "GET /nope: CatchResponseError()"),
    ],
)
def test_to_name(error, name):
    assert StatsError("GET", "/nope", error).to_name() == name


def test_occurred_tracks_first_and_last_seen():
    error = StatsError("GET", "/", "boom")
    error.occurred()
    assert (error.occurrences, error.first_seen, error.last_seen) == (1, None, None)
    error.occurred(10.0)
    error.occurred(12.0)
    assert (error.occurrences, error.first_seen, error.last_seen) == (3, 10.0, 12.0)


def test_serialize_round_trip_and_merge():
    error = StatsError("GET", "/", CatchResponseError("x"), 2, 10.0, 20.0)
    data = error.serialize()
    assert data == {
        "name": "/",
        "method": "GET",
        "error": "CatchResponseError('x')",
        "occurrences": 2,
        "first_seen": 10.0,
        "last_seen": 20.0,
    }
    merged = StatsError.unserialize(data)
    merged.merge(StatsError("GET", "/", "CatchResponseError('x')", 3, 5.0, 15.0))
    assert (merged.occurrences, merged.first_seen, merged.last_seen) == (5, 5.0, 20.0)
    merged.merge(StatsError("GET", "/", "x"))
    assert (merged.first_seen, merged.last_seen) == (5.0, 20.0)


def test_unserialize_a_locust_error_without_times():
    error = StatsError.unserialize({"method": "GET", "name": "/", "error": "e", "occurrences": 4})
    assert (error.occurrences, error.first_seen) == (4, None)


def test_to_dict_escapes_on_request():
    error = StatsError("GET", "/<a>", "<b>", 1, 1.0, 2.0)
    assert error.to_dict(escape_string_values=True) == {
        "method": "GET",
        "name": "/&lt;a&gt;",
        "error": "&lt;b&gt;",
        "occurrences": 1,
        "first_seen": 1.0,
        "last_seen": 2.0,
    }
    assert error.to_dict()["name"] == "/<a>"
    assert repr(error) == "StatsError('GET', '/<a>', '<b>', 1)"


def test_exception_log_counts_by_traceback():
    log = ExceptionLog()
    log.record("local", "boom", "tb one")
    log.record("worker-1", "boom again", "tb one")
    log.record("local", "other", "tb two")
    assert log[hash("tb one")] == {
        "count": 2,
        "msg": "boom",
        "traceback": "tb one",
        "nodes": {"local", "worker-1"},
    }
    assert [row["count"] for row in log.values()] == [2, 1]
    log.clear()
    assert log == {}
