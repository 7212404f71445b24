"""URLs: Locust's host + path joining, and parsing a URL into where to connect and what to send.

Parsing is memoised: a load test requests the same few URLs millions of times.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

from horde.http._errors import InvalidSchema, InvalidURL, MissingSchema

__all__ = [
    "Target",
    "build_url",
    "encode_params",
    "join_redirect",
    "parse_target",
    "with_params",
]

_ABSOLUTE_HTTP_URL = re.compile(r"^https?://", re.IGNORECASE)
# Characters that may appear in a request target as they are; anything else is re-quoted
# the way requests' requote_uri does.
_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9\-._~!#$%&'()*+,/:;=?@\[\]]")
_SAFE = "!#$%&'()*+,/:;=?@[]~"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def build_url(base_url: str | None, url: str) -> str:
    """Locust's rule: an absolute ``http(s)://`` URL as given, else ``base_url + url``.

    No slash is added or removed (``"http://h/"`` + ``"/x"`` is ``"http://h//x"``).

    Example:
        >>> build_url("http://h/api", "/x")
        'http://h/api/x'
        >>> build_url("http://h", "HTTPS://other/y")
        'HTTPS://other/y'
    """
    if url[:1] != "/" and _ABSOLUTE_HTTP_URL.match(url):
        return url
    return f"{base_url or ''}{url}"


class Target:
    """A parsed URL: where to connect and what to put on the request line."""

    __slots__ = (
        "auth",
        "host",
        "host_header",
        "is_tls",
        "key",
        "origin",
        "path_url",
        "port",
        "url",
    )

    def __init__(  # noqa: PLR0917 - built only by parse_target, whose result is cached
        self,
        scheme: str,
        host: str,
        port: int,
        host_header: str,
        path_url: str,
        auth: tuple[str, str] | None = None,
    ) -> None:
        self.auth = auth
        """Credentials given in the URL (``http://user:pass@host/``), percent-decoded."""
        self.host = host
        self.port = port
        self.is_tls = scheme == "https"
        self.key: tuple[str, str, int] = (scheme, host, port)
        """The connection pool key."""
        self.host_header = host_header
        self.origin = f"{scheme}://{host_header}"
        self.path_url = path_url
        """Path and query, as sent on the request line and used as the default name."""
        self.url = self.origin + path_url

    @property
    def scheme(self) -> str:
        """``"http"`` or ``"https"``."""
        return self.key[0]

    def with_path(self, path_url: str) -> Target:
        """The same origin with another path and query."""
        return Target(self.key[0], self.host, self.port, self.host_header, path_url, self.auth)


def _requote(text: str) -> str:
    """Percent-encode what cannot go on the wire, leaving existing escapes alone."""
    if not _NEEDS_QUOTING.search(text):
        return text
    try:
        return quote(unquote(text), safe=_SAFE)
    except UnicodeError:  # pragma: no cover - unquote of invalid escapes is lenient
        return quote(text, safe=_SAFE + "%")


def _encode_host(host: str, url: str) -> str:
    if host.isascii():
        return host.lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidURL(f"Invalid URL {url!r}: URL has an invalid label.") from None


@functools.lru_cache(maxsize=4096)
def parse_target(url: str) -> Target:
    """Parse a full URL the way requests would before sending it.

    Load tests send the same URLs over and over, and a :class:`Target` never changes once
    made, so parsed URLs are cached (a few microseconds saved per request).

    Raises:
        MissingSchema: No scheme (``"/x"``, or a user without a host).
        InvalidSchema: A scheme other than http or https.
        InvalidURL: No host, or an unparseable port or label.
    """
    url = url.lstrip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"Invalid URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise MissingSchema(
            f"Invalid URL {url!r}: No scheme supplied. Perhaps you meant https://{url}?"
        )
    if scheme not in _DEFAULT_PORTS:
        raise InvalidSchema(f"No connection adapters were found for {url!r}")
    host = parts.hostname
    if not host:
        raise InvalidURL(f"Invalid URL {url!r}: No host supplied")
    if host.startswith(("*", ".")):
        raise InvalidURL(f"Invalid URL {url!r}: URL has an invalid label.")
    host = _encode_host(host, url)
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port is None or port == _DEFAULT_PORTS[scheme] else f"{shown}:{port}"
    path_url = _requote(parts.path) or "/"
    if parts.query:
        path_url = f"{path_url}?{_requote(parts.query)}"
    auth = None
    if parts.username is not None or parts.password is not None:
        auth = (unquote(parts.username or ""), unquote(parts.password or ""))
    return Target(scheme, host, port or _DEFAULT_PORTS[scheme], host_header, path_url, auth)


def _pairs(params: Mapping[Any, Any] | Iterable[tuple[Any, Any]]) -> Iterable[tuple[Any, Any]]:
    items = params.items() if isinstance(params, Mapping) else params
    for key, field in items:
        values = (
            [field] if isinstance(field, (str, bytes)) or not hasattr(field, "__iter__") else field
        )
        for value in values:
            if value is not None:
                yield key, value


def encode_params(params: Any) -> str:
    """Encode ``params=`` or form ``data=`` as requests does.

    A ``str`` or ``bytes`` is used as it is; a mapping or a list of pairs is urlencoded,
    a list value repeats its key and ``None`` values are left out.

    Example:
        >>> encode_params({"q": "a b", "tag": ["x", "y"], "skip": None})
        'q=a+b&tag=x&tag=y'
    """
    if isinstance(params, str):
        return params
    if isinstance(params, bytes):
        return params.decode("latin-1")
    return urlencode(list(_pairs(params)), doseq=True)


def with_params(target: Target, params: Any) -> Target:
    """``target`` with ``params`` appended to its query."""
    encoded = encode_params(params) if params else ""
    if not encoded:
        return target
    separator = "&" if "?" in target.path_url else "?"
    return target.with_path(f"{target.path_url}{separator}{_requote(encoded)}")


def join_redirect(current_url: str, location: str) -> str:
    """The absolute URL a ``Location`` header points to, as requests resolves it.

    Raises:
        InvalidURL: The ``Location`` cannot be parsed.
    """
    location = location.strip()
    try:
        if location.startswith("//"):
            location = f"{urlsplit(current_url).scheme}:{location}"
        if not urlsplit(location).netloc:
            return urljoin(current_url, _requote(location))
    except ValueError as exc:
        raise InvalidURL(f"Invalid redirect location {location!r}: {exc}") from None
    return _requote(location)
