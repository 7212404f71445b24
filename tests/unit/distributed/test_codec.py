"""The wire format: Locust's msgpack triple, datetimes and int-keyed maps included."""

from __future__ import annotations

import datetime

import msgpack
import pytest

from horde.distributed import CorruptMessageError, decode, encode
from horde.engine import Message


def test_a_message_survives_the_round_trip_with_int_keys_and_datetimes():
    when = datetime.datetime(2026, 11, 28, 9, 30, 15, 123456)
    data = {"response_times": {12: 3, 250: 1}, "seen": when, "name": "/cart"}
    message = decode(encode(Message("stats", data, "host_abc")))
    assert message == Message("stats", data, "host_abc")


def test_a_locust_node_payload_decodes():
    payload = msgpack.dumps(
        ("client_ready", "2.47.0", "otherhost_0123"),
    )
    assert decode(payload) == Message("client_ready", "2.47.0", "otherhost_0123")


def test_datetimes_travel_in_locusts_form():
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, 6)
    raw = msgpack.loads(encode(Message("x", when, None)), raw=False)
    assert raw[1] == {"__datetime__": True, "as_str": "20260102T03:04:05.000006"}


@pytest.mark.parametrize(
    "payload",
    [b"", b"GET / HTTP/1.1\r\n\r\n", msgpack.dumps([1, 2, 3]), msgpack.dumps(("a", 1))],
)
def test_anything_else_is_a_corrupt_message(payload):
    with pytest.raises(CorruptMessageError):
        decode(payload)


def test_a_value_msgpack_cannot_carry_is_named():
    with pytest.raises(TypeError, match="object cannot be sent"):
        encode(Message("custom", object(), None))
