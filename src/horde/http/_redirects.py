"""Following a redirect: the next request, built with requests' rules.

* 303 (except for HEAD), 302 (except for HEAD) and a 301 to a POST become a GET, and lose
  their body and its ``Content-Type``/``Content-Length``; 307 and 308 keep both.
* ``Authorization`` is dropped when the redirect leaves the host (or changes scheme or
  port, except the http:80 → https:443 upgrade).
* An explicit ``Cookie`` header is dropped; the jar supplies the cookies of the new URL.
"""

from __future__ import annotations

import contextlib

from horde.http._response import PreparedRequest, Response
from horde.http._url import Target, join_redirect, parse_target

__all__ = ["redirect_request", "should_strip_auth"]

_BODY_HEADERS = ("content-length", "content-type", "transfer-encoding")


def _method_after(status: int, method: str) -> str:
    if status in (302, 303) and method != "HEAD":
        return "GET"
    if status == 301 and method == "POST":
        return "GET"
    return method


def should_strip_auth(old: Target, new: Target) -> bool:
    """Whether credentials sent to ``old`` must not be sent on to ``new``.

    Example:
        >>> should_strip_auth(parse_target("http://a/x"), parse_target("https://a/y"))
        False
        >>> should_strip_auth(parse_target("http://a/x"), parse_target("http://b/x"))
        True
    """
    if old.host != new.host:
        return True
    if old.scheme == "http" and old.port == 80 and new.scheme == "https" and new.port == 443:
        return False
    return old.port != new.port or old.scheme != new.scheme


def redirect_request(
    prepared: PreparedRequest, response: Response, location: str
) -> PreparedRequest:
    """The request that follows ``response`` (a redirect to ``location``).

    Raises:
        InvalidURL, MissingSchema, InvalidSchema: The ``Location`` is unusable.
    """
    # Servers send UTF-8 in Location; it arrived decoded as latin-1.
    with contextlib.suppress(UnicodeError):
        location = location.encode("latin-1").decode()
    target = parse_target(join_redirect(response.url, location))
    method = _method_after(response.status_code, prepared.method)
    overrides = dict(prepared.overrides or {})
    body = prepared.body
    if response.status_code not in (307, 308):
        for lower in _BODY_HEADERS:
            overrides[lower] = (lower, None)
        body = None
    overrides["cookie"] = ("Cookie", None)
    if should_strip_auth(prepared.target, target):
        overrides["authorization"] = ("Authorization", None)
    following = PreparedRequest(method, target, prepared.base, overrides, body)
    following.cookies = prepared.cookies
    return following
