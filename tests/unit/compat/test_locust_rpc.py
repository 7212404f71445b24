"""``locust.rpc.Message``: horde's message, with Locust's wire methods."""

import datetime

import msgpack
import pytest

import horde.engine
from horde.compat import locust_alias
from horde.distributed import CorruptMessageError, decode


@pytest.fixture
def message_class():
    with locust_alias():
        from locust.rpc import Message
    return Message


def test_it_is_read_as_locust_reads_it(message_class):
    message = message_class("client_ready", "2.47.0", "host_1a2b")
    assert (message.type, message.data, message.node_id) == ("client_ready", "2.47.0", "host_1a2b")


def test_serialize_is_locusts_wire_format(message_class):
    data = {"user_classes_count": {"A": 2}, "histogram": {12: 3}}
    payload = message_class("spawn", data, "host_1").serialize()
    assert msgpack.unpackb(payload, raw=False, strict_map_key=False) == ["spawn", data, "host_1"]
    assert decode(payload) == horde.engine.Message("spawn", data, "host_1")


def test_unserialize_reads_a_locust_payload(message_class):
    when = datetime.datetime(2026, 11, 28, 2, 16, 29, 500)
    payload = msgpack.packb(
        ["custom", {"at": {"__datetime__": True, "as_str": "20261128T02:16:29.000500"}}, "w_1"]
    )
    message = message_class.unserialize(payload)
    assert type(message) is message_class
    assert message.data == {"at": when}
    assert message.node_id == "w_1"


def test_unserialize_refuses_what_is_not_a_message(message_class):
    with pytest.raises(CorruptMessageError, match="not a message"):
        message_class.unserialize(b"\xc1garbage")
    assert issubclass(CorruptMessageError, ValueError)


def test_handlers_messages_are_instances(message_class):
    assert isinstance(horde.engine.Message("greet", None, None), message_class)
    assert issubclass(horde.engine.Message, message_class)
    assert not isinstance(("greet", None, None), message_class)

    class Derived(message_class):
        __slots__ = ()

    assert not isinstance(message_class("greet", None, None), Derived)
    assert isinstance(Derived("greet", None, None), Derived)


def test_messages_are_frozen(message_class):
    message = message_class("greet", 1, "w_1")
    with pytest.raises(AttributeError):
        message.type = "other"
