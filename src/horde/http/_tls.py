"""TLS client contexts, built once per (verify, cert) and shared.

Building an ``SSLContext`` loads the system CA store (milliseconds), so thousands of
users must not each build their own.
"""

from __future__ import annotations

import functools
import os
import ssl

__all__ = ["CertSpec", "VerifySpec", "client_context"]

VerifySpec = bool | str
"""``True`` (verify against the system CAs), ``False`` (no verification) or a CA path."""
CertSpec = str | tuple[str, str] | None
"""A client certificate: a PEM path holding cert and key, or a ``(cert, key)`` pair."""


@functools.lru_cache(maxsize=64)
def client_context(verify: VerifySpec, cert: CertSpec = None) -> ssl.SSLContext:
    """The client ``SSLContext`` for ``verify`` and ``cert``, as requests interprets them.

    Example:
        >>> client_context(False).verify_mode == ssl.CERT_NONE
        True

    Raises:
        OSError: A CA or certificate path cannot be read.
    """
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif verify is True:
        context = ssl.create_default_context()
    elif os.path.isdir(verify):
        context = ssl.create_default_context(capath=verify)
    else:
        context = ssl.create_default_context(cafile=verify)
    if cert is not None:
        if isinstance(cert, tuple):
            context.load_cert_chain(cert[0], cert[1])
        else:
            context.load_cert_chain(cert)
    return context
