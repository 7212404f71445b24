"""Request bodies: ``data=``, ``json=`` and ``files=`` encoded the way requests encodes them."""

from __future__ import annotations

import binascii
import json as jsonlib
import os
from collections.abc import Iterable, Mapping
from typing import Any

from horde.http._url import encode_params

__all__ = ["FORM_CONTENT_TYPE", "JSON_CONTENT_TYPE", "encode_body", "encode_json"]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"


def encode_json(value: Any) -> bytes:
    """Serialise ``json=`` as requests and geventhttpclient do (``json.dumps``'s own
    separators, ASCII): servers that sign or compare the raw body see the same bytes.
    (NaN is written as ``NaN``, as geventhttpclient does; requests refuses it.)"""
    return jsonlib.dumps(value).encode()


def encode_body(data: Any, json: Any, files: Any) -> tuple[bytes | None, str | None]:
    """Encode a request body.

    Returns:
        ``(body, content_type)``; the content type is ``None`` when the caller gave raw
        bytes or text, whose type only the caller knows.

    Example:
        >>> encode_body({"a": "1"}, None, None)
        (b'a=1', 'application/x-www-form-urlencoded')
        >>> encode_body(None, {"a": [1, 2]}, None)
        (b'{"a": [1, 2]}', 'application/json')
    """
    if files:
        return encode_multipart(data, files)
    if data:
        return _encode_data(data)
    if json is not None:
        return encode_json(json), JSON_CONTENT_TYPE
    return None, None


def _encode_data(data: Any) -> tuple[bytes, str | None]:
    if isinstance(data, str):
        return _encode_text(data), None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data), None
    if hasattr(data, "read"):
        content = data.read()
        return (_encode_text(content) if isinstance(content, str) else bytes(content)), None
    if isinstance(data, (Mapping, list, tuple)):
        return encode_params(data).encode("ascii"), FORM_CONTENT_TYPE
    # Any other iterable (a generator of chunks) is streamed by requests; it is joined here.
    return b"".join(_encode_text(c) if isinstance(c, str) else bytes(c) for c in data), None


def _encode_text(text: str) -> bytes:
    # http.client sends a str body as latin-1 (and fails otherwise); UTF-8 beyond that.
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode()


def _pairs(value: Any) -> Iterable[tuple[Any, Any]]:
    if not value:
        return []
    return list(value.items()) if isinstance(value, Mapping) else list(value)


def _quote_param(value: str) -> str:
    return value.translate({10: "%0A", 13: "%0D", 34: "%22"})


def _guess_filename(obj: Any) -> str | None:
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name and name[0] != "<" and name[-1] != ">":
        return os.path.basename(name)
    return None


def _file_part(key: str, value: Any) -> tuple[str, bytes, list[str]] | None:
    """One ``files=`` entry as (field name, content, extra part header lines)."""
    content_type = extra_headers = None
    if isinstance(value, (tuple, list)):
        filename, content, *rest = value
        content_type = rest[0] if rest else None
        extra_headers = rest[1] if len(rest) > 1 else None
    else:
        filename, content = _guess_filename(value) or key, value
    if content is None:
        return None
    if hasattr(content, "read"):
        content = content.read()
    if isinstance(content, str):
        content = content.encode()
    disposition = f'form-data; name="{_quote_param(key)}"'
    if filename:
        disposition += f'; filename="{_quote_param(filename)}"'
    lines = [f"Content-Disposition: {disposition}"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    lines.extend(f"{name}: {val}" for name, val in (extra_headers or {}).items())
    return key, bytes(content), lines


def encode_multipart(data: Any, files: Any) -> tuple[bytes, str]:
    """``multipart/form-data`` with ``data`` fields first, then ``files``, as requests does.

    Each file is a file object, or a tuple ``(filename, content)``,
    ``(filename, content, content_type)`` or ``(filename, content, content_type, headers)``.
    """
    boundary = binascii.hexlify(os.urandom(16)).decode()
    parts: list[bytes] = []
    for key, field in _pairs(data):
        values = (
            [field] if isinstance(field, (str, bytes)) or not hasattr(field, "__iter__") else field
        )
        for value in values:
            if value is not None:
                content = value if isinstance(value, bytes) else str(value).encode()
                header = f'Content-Disposition: form-data; name="{_quote_param(str(key))}"'
                parts.append(_part(boundary, [header], content))
    for key, value in _pairs(files):
        part = _file_part(str(key), value)
        if part is not None:
            parts.append(_part(boundary, part[2], part[1]))
    parts.append(f"--{boundary}--\r\n".encode("latin-1"))
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _part(boundary: str, header_lines: list[str], content: bytes) -> bytes:
    head = f"--{boundary}\r\n" + "\r\n".join(header_lines) + "\r\n\r\n"
    return head.encode() + content + b"\r\n"
