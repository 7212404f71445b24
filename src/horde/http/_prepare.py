"""Building a request from ``requests``-style arguments: headers over the session's, body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from horde.http._body import encode_body
from horde.http._cookies import CookieJar
from horde.http._headers import HeaderSnapshot, Overrides, header_value
from horde.http._response import PreparedRequest
from horde.http._url import Target

__all__ = ["has_header", "prepare_request", "with_header"]


def has_header(base: HeaderSnapshot, overrides: Overrides | None, lower: str) -> bool:
    """Whether the request will send header ``lower`` (given in lower case)."""
    if overrides is not None and lower in overrides:
        return overrides[lower][1] is not None
    return lower in base.lower


def with_header(overrides: Overrides | None, name: str, value: str | None) -> Overrides:
    """A copy of ``overrides`` with ``name`` set (``None`` removes the header)."""
    result = dict(overrides) if overrides else {}
    result[name.lower()] = (name, value)
    return result


_STANDARD_METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
)
# RFC 9110's token: what any other method must be.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def prepare_request(  # noqa: PLR0917 - once per request: positional arguments are cheaper
    base: HeaderSnapshot,
    method: str,
    target: Target,
    data: Any = None,
    json: Any = None,
    files: Any = None,
    headers: Mapping[str, Any] | None = None,
    cookies: Any = None,
) -> PreparedRequest:
    """The request to send: the method upper-cased, ``headers`` over the session's ``base``,
    the body encoded (with its ``Content-Type`` unless one is set), request-only cookies.

    Raises:
        InvalidHeader: A header value cannot be sent.
        ValueError: ``method`` is no HTTP method (empty, or with spaces or line breaks).
    """
    overrides: Overrides | None = None
    if headers:
        overrides = {
            name.lower(): (name, None if value is None else header_value(name, value))
            for name, value in headers.items()
            if name.lower() != "content-length"  # always computed from the body
        }
    body = None
    if data or json is not None or files:
        body, content_type = encode_body(data, json, files)
        if content_type is not None and not has_header(base, overrides, "content-type"):
            overrides = with_header(overrides, "Content-Type", content_type)
    method = method.upper()
    if method not in _STANDARD_METHODS and not _TOKEN.fullmatch(method):
        # Sent as it is, it would be a malformed request line (or a second request).
        raise ValueError(f"Invalid HTTP method {method!r}: a method is a token, like 'GET'")
    prepared = PreparedRequest(method, target, base, overrides, body)
    if cookies:
        jar = CookieJar()
        jar.update(cookies)
        prepared.cookies = jar
    return prepared
