"""Response body decoding (``Content-Encoding: gzip``, ``deflate``, ``br``), bounded in size.

The size bound applies to the decoded body as well, so a small compressed bomb cannot
make the load generator allocate gigabytes.
"""

from __future__ import annotations

import functools
import zlib
from types import ModuleType
from typing import Protocol

from horde.http._errors import ContentDecodingError, ResponseTooLarge

__all__ = ["Decoder", "accept_encoding", "brotli_module", "decode_body", "make_decoder"]


@functools.cache
def brotli_module() -> ModuleType | None:
    """The ``brotli`` module when installed (imported on first use, never at import time)."""
    try:
        import brotli  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        return None
    module: ModuleType = brotli
    return module


def accept_encoding(*, with_brotli: bool) -> str:
    """The ``Accept-Encoding`` value to advertise: only what can be decoded."""
    if with_brotli and brotli_module() is not None:
        return "gzip, deflate, br"
    return "gzip, deflate"


class Decoder(Protocol):
    """Incremental decoder: feed compressed chunks, get decoded bytes."""

    def decompress(self, data: bytes) -> bytes:
        """Decode one chunk."""
        ...

    def flush(self) -> bytes:
        """Return whatever is left at the end of the body."""
        ...


class _ZlibDecoder:
    """gzip (possibly several members) or deflate (zlib-wrapped or raw, as servers vary)."""

    __slots__ = ("_first", "_gzip", "_limit", "_obj")

    def __init__(self, gzip: bool, limit: int) -> None:
        self._gzip = gzip
        self._limit = limit
        self._first = True
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)

    def decompress(self, data: bytes) -> bytes:
        try:
            out = self._obj.decompress(data, self._limit + 1)
        except zlib.error:
            if self._gzip or not self._first:
                raise
            # Some servers send raw deflate without the zlib wrapper.
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._obj.decompress(data, self._limit + 1)
        self._first = False
        while self._gzip and self._obj.unused_data and len(out) <= self._limit:
            rest = self._obj.unused_data
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += self._obj.decompress(rest, self._limit + 1 - len(out))
        if len(out) > self._limit or self._obj.unconsumed_tail:
            del out  # not kept alive by the traceback's frame: up to the limit, and more
            raise ResponseTooLarge(f"Decoded response body exceeds {self._limit} bytes")
        return out

    def flush(self) -> bytes:
        return self._obj.flush()


class _BrotliDecoder:
    __slots__ = ("_obj",)

    def __init__(self, module: ModuleType) -> None:
        self._obj = module.Decompressor()

    def decompress(self, data: bytes) -> bytes:
        out: bytes = self._obj.process(data)
        return out

    def flush(self) -> bytes:
        return b""


def make_decoder(encoding: bytes, limit: int) -> Decoder | None:
    """A decoder for one ``Content-Encoding`` token, or ``None`` for identity/unknown."""
    if encoding in (b"gzip", b"x-gzip"):
        return _ZlibDecoder(gzip=True, limit=limit)
    if encoding == b"deflate":
        return _ZlibDecoder(gzip=False, limit=limit)
    if encoding == b"br":
        module = brotli_module()
        return _BrotliDecoder(module) if module is not None else None
    return None


def decode_body(body: bytes, content_encoding: bytes, limit: int) -> bytes:
    """Decode a whole body according to its ``Content-Encoding`` header value.

    Raises:
        ContentDecodingError: The body is not valid for its encoding.
        ResponseTooLarge: The decoded body is larger than ``limit`` bytes.
    """
    # Encodings apply in the order listed, so they are undone in reverse.
    for token in reversed(content_encoding.lower().split(b",")):
        decoder = make_decoder(token.strip(), limit)
        if decoder is None:
            continue
        try:
            body = decoder.decompress(body) + decoder.flush()
        except ResponseTooLarge:
            raise
        except Exception as exc:  # zlib.error, brotli.error
            name = content_encoding.decode("latin-1")
            raise ContentDecodingError(
                f"Received response with content-encoding: {name}, but failed to decode it. ({exc})"
            ) from exc
        if len(body) > limit:
            raise ResponseTooLarge(f"Decoded response body exceeds {limit} bytes")
    return body
