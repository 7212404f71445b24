"""Throwaway TLS certificates for 127.0.0.1, made with trustme."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme

__all__ = ["make_certificate", "server_context"]


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Write ``cert.pem`` (a leaf for 127.0.0.1/localhost, then its CA) and ``key.pem``.

    The one file serves as the server's chain, the client's CA bundle and, in the mutual
    TLS test, the client's certificate.
    """
    authority = trustme.CA()
    leaf = authority.issue_cert("127.0.0.1", "localhost")
    cert, key = directory / "cert.pem", directory / "key.pem"
    chain = b"".join(blob.bytes() for blob in leaf.cert_chain_pems)
    cert.write_bytes(chain + authority.cert_pem.bytes())
    key.write_bytes(leaf.private_key_pem.bytes())
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server-side TLS context for the certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
