import pytest

from horde.http import InvalidSchema, InvalidURL, MissingSchema
from horde.http._url import build_url, encode_params, join_redirect, parse_target, with_params


@pytest.mark.parametrize(
    ("base", "url", "expected"),
    [
        ("http://h", "/x", "http://h/x"),
        ("http://h/api", "/x", "http://h/api/x"),
        ("http://h/", "/x", "http://h//x"),
        ("http://h", "x", "http://hx"),
        ("http://h", "http://other/y", "http://other/y"),
        ("http://h", "HTTPS://other/y", "HTTPS://other/y"),
        ("http://h", "ftp://other/y", "http://hftp://other/y"),
        (None, "/x", "/x"),
    ],
)
def test_build_url_is_plain_concatenation_unless_absolute(base, url, expected):
    assert build_url(base, url) == expected


@pytest.mark.parametrize(
    ("url", "key", "host_header", "path_url"),
    [
        ("http://h/x", ("http", "h", 80), "h", "/x"),
        ("http://H:80/x?a=1", ("http", "h", 80), "h", "/x?a=1"),
        ("http://h:8080", ("http", "h", 8080), "h:8080", "/"),
        ("https://h/x#frag", ("https", "h", 443), "h", "/x"),
        ("https://h:443/", ("https", "h", 443), "h", "/"),
        ("http://[::1]:9000/a", ("http", "::1", 9000), "[::1]:9000", "/a"),
        ("http://h/a b?q=é", ("http", "h", 80), "h", "/a%20b?q=%C3%A9"),
        ("http://h/a%20b", ("http", "h", 80), "h", "/a%20b"),
        ("http://h?q", ("http", "h", 80), "h", "/?q"),
    ],
)
def test_parse_target(url, key, host_header, path_url):
    target = parse_target(url)
    assert target.key == key
    assert target.host_header == host_header
    assert target.path_url == path_url
    assert target.url == f"{key[0]}://{host_header}{path_url}"


def test_parse_target_reads_credentials():
    assert parse_target("http://us%40er:p%3Ass@h/").auth == ("us@er", "p:ss")
    assert parse_target("http://h/").auth is None


@pytest.mark.parametrize(
    ("url", "error", "message"),
    [
        (
            "/x",
            MissingSchema,
            "Invalid URL '/x': No scheme supplied. Perhaps you meant https:///x?",
        ),
        ("h/x", MissingSchema, "No scheme supplied"),
        ("ftp://h/x", InvalidSchema, "No connection adapters were found for 'ftp://h/x'"),
        ("localhost:8080/x", InvalidSchema, "No connection adapters"),
        ("http://", InvalidURL, "Invalid URL 'http://': No host supplied"),
        ("http://h:port/", InvalidURL, "Invalid URL"),
        ("http://.h/", InvalidURL, "invalid label"),
    ],
)
def test_parse_target_rejects_what_requests_rejects(url, error, message):
    with pytest.raises(error, match=message.replace("?", r"\?").replace("(", r"\(")):
        parse_target(url)


def test_url_errors_are_value_errors():
    assert issubclass(MissingSchema, ValueError)
    assert issubclass(InvalidSchema, ValueError)
    assert issubclass(InvalidURL, ValueError)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"a": "1", "b": "x y"}, "a=1&b=x+y"),
        ([("a", "1"), ("a", "2")], "a=1&a=2"),
        ({"a": ["1", "2"], "skip": None}, "a=1&a=2"),
        ({"n": 3}, "n=3"),
        ("raw=1&x", "raw=1&x"),
        (b"raw=2", "raw=2"),
        ({}, ""),
    ],
)
def test_encode_params(params, expected):
    assert encode_params(params) == expected


def test_with_params_appends_to_an_existing_query():
    target = parse_target("http://h/item?id=1")
    assert with_params(target, {"page": 2}).path_url == "/item?id=1&page=2"
    assert with_params(parse_target("http://h/item"), {"page": 2}).path_url == "/item?page=2"
    assert with_params(target, None) is target
    assert with_params(target, {}) is target


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("/b", "http://h/b"),
        ("c", "http://h/a/c"),
        ("http://o/x", "http://o/x"),
        ("//o/x", "http://o/x"),
        ("?q=1", "http://h/a/b?q=1"),
        ("/p a", "http://h/p%20a"),
    ],
)
def test_join_redirect(location, expected):
    assert join_redirect("http://h/a/b", location) == expected
