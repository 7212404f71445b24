import gzip
import zlib

import pytest

from horde.http import ContentDecodingError, ResponseTooLarge
from horde.http._decode import accept_encoding, decode_body, make_decoder

TEXT = b"hello world " * 100


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        (b"gzip", gzip.compress(TEXT)),
        (b"x-gzip", gzip.compress(TEXT)),
        (b"GZIP", gzip.compress(TEXT)),
        (b"deflate", zlib.compress(TEXT)),
        (b"deflate", zlib.compress(TEXT)[2:-4]),  # raw deflate, no zlib wrapper
        (b"gzip", gzip.compress(TEXT[:600]) + gzip.compress(TEXT[600:])),  # two members
        (b"identity", TEXT),
        (b"unknown", TEXT),
        (b"deflate, gzip", gzip.compress(zlib.compress(TEXT))),
    ],
)
def test_decode_body(encoding, body):
    assert decode_body(body, encoding, 1 << 20) == TEXT


def test_garbage_is_a_decoding_error():
    with pytest.raises(ContentDecodingError, match="content-encoding: gzip, but failed to decode"):
        decode_body(b"definitely not gzip", b"gzip", 1 << 20)


def test_a_compression_bomb_is_refused():
    bomb = gzip.compress(b"\0" * (4 << 20))
    assert len(bomb) < 10_000
    with pytest.raises(ResponseTooLarge):
        decode_body(bomb, b"gzip", 1 << 20)


def test_incremental_decoder():
    decoder = make_decoder(b"gzip", 1 << 20)
    assert decoder is not None
    data = gzip.compress(TEXT)
    out = b"".join(decoder.decompress(data[i : i + 7]) for i in range(0, len(data), 7))
    assert out + decoder.flush() == TEXT
    assert make_decoder(b"identity", 10) is None


def test_accept_encoding_only_advertises_what_decodes():
    assert accept_encoding(with_brotli=False) == "gzip, deflate"
    assert accept_encoding(with_brotli=True) in ("gzip, deflate", "gzip, deflate, br")


def test_brotli_when_installed():
    brotli = pytest.importorskip("brotli")
    body = brotli.compress(TEXT)
    assert decode_body(body, b"br", 1 << 20) == TEXT
    decoder = make_decoder(b"br", 1 << 20)
    assert decoder is not None
    pieces = [decoder.decompress(body[i : i + 5]) for i in range(0, len(body), 5)]
    assert b"".join(pieces) + decoder.flush() == TEXT
    assert accept_encoding(with_brotli=True) == "gzip, deflate, br"
    with pytest.raises(ResponseTooLarge):
        decode_body(brotli.compress(b"\0" * (2 << 20)), b"br", 1 << 20)
