import json

import pytest

from horde.exceptions import HordeError
from horde.http import (
    ConnectionError,
    ConnectTimeout,
    HTTPError,
    JSONDecodeError,
    LocustBadStatusCode,
    ReadTimeout,
    RequestException,
    SSLError,
    Timeout,
)
from horde.http._errors import innermost_cause


def test_tree():
    assert issubclass(RequestException, HordeError)
    assert issubclass(ConnectTimeout, ConnectionError)
    assert issubclass(ConnectTimeout, Timeout)
    assert issubclass(ReadTimeout, Timeout)
    assert not issubclass(ReadTimeout, ConnectionError)
    assert issubclass(SSLError, ConnectionError)
    assert issubclass(LocustBadStatusCode, HTTPError)


def test_request_exception_keeps_response_and_request():
    class FakeResponse:
        request = "the request"

    error = RequestException("boom", response=FakeResponse())
    assert error.request == "the request"
    assert repr(error) == "RequestException('boom')"


def test_locust_bad_status_code_repr_leaves_out_the_url():
    error = LocustBadStatusCode("http://h/x", code=500)
    assert repr(error) == "LocustBadStatusCode(code=500)"
    assert str(error) == "http://h/x: code=500"
    assert error.code == 500


def test_json_decode_error_is_also_the_stdlib_one():
    error = JSONDecodeError("Expecting value", "x", 0)
    assert isinstance(error, json.JSONDecodeError)
    assert isinstance(error, ValueError)
    assert isinstance(error, RequestException)
    assert str(error) == "Expecting value: line 1 column 1 (char 0)"
    with pytest.raises(json.JSONDecodeError):
        raise error


def test_innermost_cause_unwraps_connection_errors_only():
    refused = ConnectionRefusedError(111, "Connection refused")
    wrapper = ConnectionError("outer")
    wrapper.__cause__ = refused
    assert innermost_cause(wrapper) is refused
    timeout = ConnectTimeout("slow")
    timeout.__cause__ = TimeoutError()
    assert innermost_cause(timeout) is timeout
    bare = ConnectionError("no cause")
    assert innermost_cause(bare) is bare
    http = HTTPError("x")
    assert innermost_cause(http) is http


def test_each_error_is_the_requests_exception_of_its_name():
    """Locustfiles written for Locust's requests-based HttpUser catch these by
    ``requests.exceptions`` names."""
    import requests

    import horde.http

    names = [name for name in dir(requests.exceptions) if name in horde.http.__all__]
    assert len(names) >= 15
    for name in names:
        ours, theirs = getattr(horde.http, name), getattr(requests.exceptions, name)
        if isinstance(theirs, type) and issubclass(theirs, requests.exceptions.RequestException):
            assert issubclass(ours, theirs), name
    with pytest.raises(requests.exceptions.HTTPError):
        raise HTTPError("500 Server Error", response=None)
    error = JSONDecodeError("Expecting value", "", 0)
    assert isinstance(error, requests.exceptions.JSONDecodeError)
    assert isinstance(error, json.JSONDecodeError)
