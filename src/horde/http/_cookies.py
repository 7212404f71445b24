"""Cookies: a stdlib ``CookieJar`` with requests' dict-like API, and the request/response
shims the stdlib jar needs.

Cookie handling costs tens of microseconds, so the session skips it entirely while its
jar is empty and the responses set none.
"""

from __future__ import annotations

import copy
import http.cookiejar
import urllib.request
from collections.abc import Mapping
from typing import Any

__all__ = ["CookieJar", "cookie_header", "extract_cookies"]


def _create_cookie(name: str, value: str, **kwargs: Any) -> http.cookiejar.Cookie:
    """A cookie valid for any host and path unless ``domain``/``path`` say otherwise."""
    fields: dict[str, Any] = {
        "version": 0,
        "port": None,
        "domain": "",
        "path": "/",
        "secure": False,
        "expires": None,
        "discard": True,
        "comment": None,
        "comment_url": None,
        "rest": {"HttpOnly": None},
        "rfc2109": False,
    }
    unknown = set(kwargs) - set(fields)
    if unknown:
        raise TypeError(f"create_cookie() got unexpected keyword arguments: {sorted(unknown)}")
    fields.update(kwargs)
    return http.cookiejar.Cookie(
        name=name,
        value=value,
        port_specified=bool(fields["port"]),
        domain_specified=bool(fields["domain"]),
        domain_initial_dot=fields["domain"].startswith("."),
        path_specified=bool(fields["path"]),
        **fields,
    )


class CookieJar(http.cookiejar.CookieJar):
    """A cookie jar that also works like a ``dict`` of names to values, as in requests.

    Example:
        >>> jar = CookieJar()
        >>> jar.set("session", "abc")
        >>> jar["session"], jar.get("missing", "-"), "session" in jar
        ('abc', '-', True)
        >>> jar.get_dict()
        {'session': 'abc'}
    """

    def is_empty(self) -> bool:
        """Whether the jar holds nothing (cheap: no iteration over cookies)."""
        return not self._cookies  # type: ignore[attr-defined]

    def set(self, name: str, value: str | None, **kwargs: Any) -> None:
        """Set a cookie (``domain``, ``path``, ``secure``... as keywords); ``None`` removes it."""
        if value is None:
            self._remove(name, kwargs.get("domain"), kwargs.get("path"))
            return
        self.set_cookie(_create_cookie(name, value, **kwargs))

    def get(
        self,
        name: str,
        default: str | None = None,
        domain: str | None = None,
        path: str | None = None,
    ) -> str | None:
        """The value of cookie ``name``, or ``default``."""
        for cookie in self:
            if (
                cookie.name == name
                and domain in (None, cookie.domain)
                and path in (None, cookie.path)
            ):
                return cookie.value
        return default

    def __getitem__(self, name: str) -> str | None:
        for cookie in self:
            if cookie.name == name:
                return cookie.value
        raise KeyError(f"name={name!r}, domain=None, path=None")

    def __setitem__(self, name: str, value: str) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        self._remove(name, None, None)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, http.cookiejar.Cookie):
            name = name.name
        return any(cookie.name == name for cookie in self)

    def _remove(self, name: str, domain: str | None, path: str | None) -> None:
        doomed = [
            (c.domain, c.path, c.name)
            for c in self
            if c.name == name and domain in (None, c.domain) and path in (None, c.path)
        ]
        for cookie_domain, cookie_path, cookie_name in doomed:
            self.clear(cookie_domain, cookie_path, cookie_name)
        # The stdlib leaves empty per-domain/per-path dicts behind; drop them so that
        # is_empty() stays a plain truth test.
        store = self._cookies  # type: ignore[attr-defined]
        for domain_name, paths in list(store.items()):
            for path_name, cookies in list(paths.items()):
                if not cookies:
                    del paths[path_name]
            if not paths:
                del store[domain_name]

    def keys(self) -> list[str]:
        """Cookie names."""
        return [cookie.name for cookie in self]

    def values(self) -> list[str | None]:
        """Cookie values."""
        return [cookie.value for cookie in self]

    def items(self) -> list[tuple[str, str | None]]:
        """``(name, value)`` pairs."""
        return [(cookie.name, cookie.value) for cookie in self]

    def get_dict(self, domain: str | None = None, path: str | None = None) -> dict[str, str | None]:
        """The cookies as a plain ``dict``, optionally only those of ``domain``/``path``."""
        return {
            c.name: c.value for c in self if domain in (None, c.domain) and path in (None, c.path)
        }

    def update(self, other: Mapping[str, str] | http.cookiejar.CookieJar) -> None:
        """Add the cookies of another jar, or of a ``{name: value}`` mapping."""
        if isinstance(other, http.cookiejar.CookieJar):
            for cookie in other:
                self.set_cookie(copy.copy(cookie))
        else:
            for name, value in other.items():
                self.set(name, value)

    def copy(self) -> CookieJar:
        """A copy holding the same cookies."""
        jar = CookieJar(self._policy)  # type: ignore[attr-defined]
        jar.update(self)
        return jar


class _HeadersShim:
    """What ``CookieJar.extract_cookies`` reads from ``response.info()``."""

    __slots__ = ("_raw",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._raw = raw

    def get_all(self, name: str, default: list[str]) -> list[str]:
        wanted = name.lower().encode("latin-1")
        found = [v.decode("latin-1") for n, v in self._raw if n.lower() == wanted]
        return found or default


class _ResponseShim:
    __slots__ = ("_headers",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._headers = _HeadersShim(raw)

    def info(self) -> _HeadersShim:
        return self._headers


def cookie_header(jar: http.cookiejar.CookieJar, url: str) -> str | None:
    """The ``Cookie`` header the jar sends to ``url``, or ``None``."""
    shim = urllib.request.Request(url)
    jar.add_cookie_header(shim)
    return shim.get_header("Cookie")


def extract_cookies(
    jar: http.cookiejar.CookieJar, raw_headers: list[tuple[bytes, bytes]], url: str
) -> None:
    """Store the ``Set-Cookie`` headers of a response to ``url`` in ``jar``."""
    jar.extract_cookies(_ResponseShim(raw_headers), urllib.request.Request(url))  # type: ignore[arg-type]
