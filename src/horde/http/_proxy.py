"""Choosing a proxy for a URL, as requests does with ``proxies=`` and ``trust_env``."""

from __future__ import annotations

import base64
import urllib.request
from collections.abc import Mapping

from horde.http._url import Target, parse_target

__all__ = ["basic_auth", "environment_proxies", "proxy_authorization", "select_proxy"]


def basic_auth(username: str | bytes, password: str | bytes) -> str:
    """The value of a Basic ``Authorization`` header (latin-1, as requests encodes it).

    Example:
        >>> basic_auth("user", "pass")
        'Basic dXNlcjpwYXNz'
    """
    user = username.encode("latin-1") if isinstance(username, str) else username
    word = password.encode("latin-1") if isinstance(password, str) else password
    return "Basic " + base64.b64encode(user + b":" + word).decode("ascii")


def environment_proxies() -> dict[str, str]:
    """``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` and friends, read when first needed."""
    return urllib.request.getproxies_environment()


def select_proxy(proxies: Mapping[str, str | None], target: Target) -> Target | None:
    """The proxy to use for ``target``, most specific key first, or ``None``.

    Raises:
        InvalidURL: The proxy URL cannot be parsed.
    """
    if not proxies:
        return None
    scheme, host = target.scheme, target.host
    if _bypassed(host, proxies.get("no")):
        return None
    for key in (f"{scheme}://{host}", scheme, f"all://{host}", "all"):
        url = proxies.get(key)
        if url:
            if "://" not in url:
                url = f"http://{url}"
            return parse_target(url)
    return None


def _bypassed(host: str, no_proxy: str | None) -> bool:
    """Whether ``host`` is listed in a ``NO_PROXY`` value (``*``, names and domain suffixes)."""
    if not no_proxy:
        return False
    for entry in no_proxy.replace(" ", "").split(","):
        suffix = entry.lstrip(".").lower()
        if entry == "*" or (suffix and (host == suffix or host.endswith("." + suffix))):
            return True
    return False


def proxy_authorization(proxy: Target) -> str:
    """The ``Proxy-Authorization`` header line for a proxy URL with credentials, or ``""``."""
    if proxy.auth is None:
        return ""
    return f"Proxy-Authorization: {basic_auth(*proxy.auth)}\r\n"
