"""Session defaults and the per-request transport options resolved from them."""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_TIMEOUT",
    "Options",
    "Timeout",
    "split_credentials",
    "split_timeout",
    "user_agent",
]

DEFAULT_TIMEOUT = 60.0
"""Connect and read timeout (seconds) when neither the request nor the session sets one:
a load generator must never wait forever."""
DEFAULT_MAX_BODY_SIZE = 64 * 1024 * 1024
"""Largest response body accepted (after decoding); larger ones fail the request."""

Timeout = float | tuple[float | None, float | None] | None
"""Seconds for both, or ``(connect, read)``; ``None`` means the default."""


@functools.cache
def user_agent() -> str:
    """``horde/<version>``, the default ``User-Agent``."""
    try:
        version = importlib.metadata.version("horde")
    except importlib.metadata.PackageNotFoundError:
        version = "0"
    return f"horde/{version}"


def split_credentials(base_url: str | None) -> tuple[str | None, tuple[str, str] | None]:
    """Remove ``user:pass@`` from a base URL and return it as Basic auth, as Locust does.

    Example:
        >>> split_credentials("http://u%40x:p@h:8/api")
        ('http://h:8/api', ('u@x', 'p'))
    """
    if not base_url:
        return base_url, None
    parts = urlsplit(base_url)
    if not (parts.username and parts.password):
        return base_url, None
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url, (unquote(parts.username), unquote(parts.password))


def split_timeout(timeout: Timeout) -> tuple[float, float]:
    """``(connect, read)`` seconds from a ``timeout=`` value; ``None`` parts get the default.

    Example:
        >>> split_timeout(5), split_timeout((1, None)), split_timeout(None)
        ((5.0, 5.0), (1.0, 60.0), (60.0, 60.0))
    """
    if timeout is None:
        return DEFAULT_TIMEOUT, DEFAULT_TIMEOUT
    if isinstance(timeout, tuple):
        connect, read = timeout
        return (
            DEFAULT_TIMEOUT if connect is None else float(connect),
            DEFAULT_TIMEOUT if read is None else float(read),
        )
    return float(timeout), float(timeout)


class Options:
    """Per-request transport settings, already resolved against the session's."""

    __slots__ = (
        "allow_redirects",
        "cert",
        "connect_timeout",
        "proxies",
        "read_timeout",
        "stream",
        "verify",
    )

    def __init__(
        self,
        *,
        timeout: Timeout,
        allow_redirects: bool,
        stream: bool,
        verify: Any,
        cert: Any,
        proxies: Mapping[str, str | None] | None,
    ) -> None:
        self.connect_timeout, self.read_timeout = split_timeout(timeout)
        self.allow_redirects = allow_redirects
        self.stream = stream
        self.verify = verify
        self.cert = tuple(cert) if isinstance(cert, list) else cert
        self.proxies = proxies
