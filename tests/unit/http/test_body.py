import io
import re

import pytest
import requests

from horde.http._body import encode_body, encode_multipart


def test_no_body():
    assert encode_body(None, None, None) == (None, None)
    assert encode_body({}, None, None) == (None, None)
    assert encode_body("", None, None) == (None, None)


def test_form_data():
    body, content_type = encode_body({"a": "1", "b": ["x", "y z"]}, None, None)
    assert body == b"a=1&b=x&b=y+z"
    assert content_type == "application/x-www-form-urlencoded"
    assert encode_body([("k", "v")], None, None)[0] == b"k=v"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("plain text", b"plain text"),
        ("caf\u00e9", b"caf\xe9"),  # latin-1, as http.client sends a str body
        ("\u20ac", "\u20ac".encode()),  # beyond latin-1: UTF-8
        (b"\x00\x01", b"\x00\x01"),
        (bytearray(b"ba"), b"ba"),
        (io.BytesIO(b"from a file"), b"from a file"),
        (io.StringIO("text file"), b"text file"),
        (iter([b"gen", "erator"]), b"generator"),
    ],
)
def test_raw_data_has_no_content_type(data, expected):
    assert encode_body(data, None, None) == (expected, None)


def test_json_is_encoded_byte_for_byte_as_requests_encodes_it():
    value = {"a": [1, 2], "s": "\u00e9"}
    body, content_type = encode_body(None, value, None)
    assert body == b'{"a": [1, 2], "s": "\\u00e9"}'
    assert body == requests.Request("POST", "http://h/", json=value).prepare().body
    assert content_type == "application/json"


def test_json_is_ignored_when_data_is_given():
    assert encode_body("d", {"a": 1}, None) == (b"d", None)


def test_json_null_and_falsy_values_are_sent():
    assert encode_body(None, [], None) == (b"[]", "application/json")
    assert encode_body(None, 0, None) == (b"0", "application/json")


def _parts(body: bytes, boundary: str) -> list[bytes]:
    chunks = body.split(f"--{boundary}".encode())
    assert chunks[0] == b""
    assert chunks[-1] == b"--\r\n"
    return [chunk[2:-2] for chunk in chunks[1:-1]]


def test_multipart_with_fields_and_every_file_format():
    named = io.BytesIO(b"file object")
    named.name = "/tmp/report.csv"
    body, content_type = encode_body(
        {"field": "value"},
        None,
        {
            "a": named,
            "b": ("b.txt", b"tuple two"),
            "c": ("c.txt", io.BytesIO(b"tuple three"), "text/plain"),
            "d": ("d.bin", "text content", "application/octet-stream", {"X-Extra": "1"}),
            "skip": ("x.txt", None),
        },
    )
    match = re.fullmatch(r"multipart/form-data; boundary=([0-9a-f]{32})", content_type)
    assert match is not None
    parts = _parts(body, match.group(1))
    assert parts == [
        b'Content-Disposition: form-data; name="field"\r\n\r\nvalue',
        b'Content-Disposition: form-data; name="a"; filename="report.csv"\r\n\r\nfile object',
        b'Content-Disposition: form-data; name="b"; filename="b.txt"\r\n\r\ntuple two',
        b'Content-Disposition: form-data; name="c"; filename="c.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\ntuple three",
        b'Content-Disposition: form-data; name="d"; filename="d.bin"\r\n'
        b"Content-Type: application/octet-stream\r\nX-Extra: 1\r\n\r\ntext content",
    ]


def test_multipart_file_without_name_uses_the_field_name():
    body, content_type = encode_multipart(None, {"upload": io.BytesIO(b"x")})
    assert b'name="upload"; filename="upload"' in body
    assert content_type.startswith("multipart/form-data; boundary=")


def test_multipart_quotes_names():
    body, _ = encode_multipart(None, {'we"ird': ("a\nb", b"x")})
    assert b'name="we%22ird"; filename="a%0Ab"' in body
