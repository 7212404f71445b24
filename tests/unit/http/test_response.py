import datetime

import pytest

from horde.exceptions import LocustError
from horde.http import HTTPError, JSONDecodeError, Response


def make(status=200, body=b"", headers=(), reason=b"OK", url="http://h/x"):
    return Response(status, reason, list(headers), body, None, url)


@pytest.mark.parametrize(
    ("content_type", "body", "text", "encoding"),
    [
        (b"text/plain; charset=utf-8", "caf\u00e9".encode(), "caf\u00e9", "utf-8"),
        (b"text/plain; charset=ISO-8859-1", b"caf\xe9", "caf\u00e9", "ISO-8859-1"),
        (b'text/html; charset="latin-1"', b"caf\xe9", "caf\u00e9", "latin-1"),
        (b"text/plain", "caf\u00e9".encode(), "caf\u00e9", None),
        (b"application/json", b"bad \xff byte", "bad \ufffd byte", "utf-8"),  # as requests
        (b"text/plain; charset=nonsense", b"abc", "abc", "nonsense"),
    ],
)
def test_text_uses_the_charset_else_utf8(content_type, body, text, encoding):
    response = make(body=body, headers=[(b"Content-Type", content_type)])
    assert response.text == text
    assert response.encoding == encoding


def test_encoding_can_be_set():
    response = make(body="caf\u00e9".encode("cp1252"))
    response.encoding = "cp1252"
    assert response.text == "caf\u00e9"
    assert response.apparent_encoding == "utf-8"


def test_json():
    assert make(body=b'{"a": [1]}').json() == {"a": [1]}
    response = make(body=b'{"a": "\xc3\xa9"}', headers=[(b"Content-Type", b"a; charset=utf-8")])
    assert response.json() == {"a": "\u00e9"}
    with pytest.raises(JSONDecodeError, match="Expecting value"):
        make(body=b"<html>").json()
    with pytest.raises(ValueError, match="Expecting value"):
        make(body=b"").json()
    # Bytes that are no text at all: still the JSON error that user code catches.
    json_type = [(b"Content-Type", b"application/json")]
    with pytest.raises(JSONDecodeError, match="Expecting value"):
        make(body=b"<html>\xff\xfe not json", headers=json_type).json()
    assert make(body='{"a": "\u00e9"}'.encode("utf-16"), headers=json_type).json() == {
        "a": "\u00e9"
    }


def test_links_are_the_link_header_by_rel_as_in_requests():
    link = b'<http://h/x?page=2>; rel="next", <http://h/x?page=9>; rel="last", </about>'
    response = make(headers=[(b"Link", link)])
    assert response.links == {
        "next": {"url": "http://h/x?page=2", "rel": "next"},
        "last": {"url": "http://h/x?page=9", "rel": "last"},
        "/about": {"url": "/about"},
    }
    assert make().links == {}


def test_headers_are_case_insensitive_and_join_repeats():
    response = make(headers=[(b"X-A", b"1"), (b"x-a", b"2"), (b"Content-Type", b"t")])
    assert response.headers["x-a"] == "1, 2"
    assert response.headers["CONTENT-TYPE"] == "t"
    assert response.headers is response.headers


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        (404, b"Not Found", "404 Client Error: Not Found for url: http://h/x"),
        (
            500,
            b"Internal Server Error",
            "500 Server Error: Internal Server Error for url: http://h/x",
        ),
        (503, b"Caf\xc3\xa9", "503 Server Error: Caf\u00e9 for url: http://h/x"),
        (599, b"\xe9", "599 Server Error: \u00e9 for url: http://h/x"),
    ],
)
def test_raise_for_status(status, reason, message):
    response = make(status, reason=reason)
    with pytest.raises(HTTPError) as caught:
        response.raise_for_status()
    assert str(caught.value) == message
    assert caught.value.response is response
    assert not response.ok
    assert not response


@pytest.mark.parametrize("status", [100, 200, 204, 302, 399, 600])
def test_other_statuses_are_ok(status):
    response = make(status)
    response.raise_for_status()
    assert response.ok
    assert response


def test_error_response():
    error = ConnectionRefusedError(111, "Connection refused")
    response = Response.from_error(None, "http://h/x", error)
    assert response.status_code == 0
    assert response.content is None
    assert response.text == ""
    assert response.error is error
    assert not response.ok
    with pytest.raises(ConnectionRefusedError):
        response.raise_for_status()


def test_redirect_properties():
    assert make(302, headers=[(b"Location", b"/y")]).is_redirect
    assert not make(302).is_redirect
    assert make(308, headers=[(b"Location", b"/y")]).is_permanent_redirect
    assert not make(307, headers=[(b"Location", b"/y")]).is_permanent_redirect


def test_iter_content_and_lines():
    response = make(body=b"one\ntwo\r\nthree")
    assert list(response.iter_content(4)) == [b"one\n", b"two\r", b"\nthr", b"ee"]
    assert list(response.iter_content(None)) == [b"one\ntwo\r\nthree"]
    assert list(response.iter_lines(chunk_size=3)) == [b"one", b"two", b"three"]
    assert list(response.iter_lines(delimiter=b"t")) == [b"one\n", b"wo\r\n", b"hree"]
    assert list(response.iter_lines(decode_unicode=True)) == ["one", "two", "three"]
    assert list(response) == [b"one\ntwo\r\nthree"]
    assert list(make(body=b"").iter_content(1)) == []


def test_iter_content_decodes_text_across_chunks():
    response = make(body="\u00e9\u00e9".encode())
    assert "".join(response.iter_content(1, decode_unicode=True)) == "\u00e9\u00e9"


def test_misc_attributes():
    response = make(201)
    response._elapsed = 0.25
    assert response.elapsed == datetime.timedelta(milliseconds=250)
    assert repr(response) == "<Response [201]>"
    assert response.reason == "OK"
    assert response.raw is None
    assert response.history == []
    assert response.cookies.get_dict() == {}
    with response as entered:  # a plain response closes like requests'
        assert entered is response


@pytest.mark.parametrize("call", ["success", "failure"])
def test_success_and_failure_need_catch_response(call):
    with pytest.raises(LocustError, match="you must pass catch_response=True"):
        getattr(make(), call)()
