"""The wire format: msgpack of ``(type, data, node_id)``, as Locust's nodes speak it."""

from __future__ import annotations

import datetime
from typing import Any

import msgpack

from horde.engine import Message

__all__ = ["CorruptMessageError", "decode", "encode"]

_DATETIME_FORMAT = "%Y%m%dT%H:%M:%S.%f"


class CorruptMessageError(ValueError):
    """A payload that is not a message (a bad frame, or another protocol on the port)."""


def _default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {"__datetime__": True, "as_str": value.strftime(_DATETIME_FORMAT)}
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"a {type(value).__name__} cannot be sent in a message: {value!r}")


def _object_hook(value: dict[Any, Any]) -> Any:
    if value.get("__datetime__") is True and "as_str" in value:
        return datetime.datetime.strptime(value["as_str"], _DATETIME_FORMAT)
    return value


def encode(message: Message) -> bytes:
    """Serialize ``message``.

    Example:
        >>> decode(encode(Message("spawning", None, "host_1"))).type
        'spawning'

    Raises:
        TypeError: If the data holds a value msgpack cannot carry.
    """
    payload = msgpack.packb((message.type, message.data, message.node_id), default=_default)
    assert isinstance(payload, bytes)
    return payload


def decode(payload: bytes) -> Message:
    """Deserialize a payload made by :func:`encode` (here or by a Locust process).

    Raises:
        CorruptMessageError: If the payload is not a message.
    """
    try:
        unpacked = msgpack.unpackb(
            payload, raw=False, strict_map_key=False, object_hook=_object_hook
        )
        message_type, data, node_id = unpacked
    except Exception as exc:  # msgpack raises several unrelated types for bad input
        raise CorruptMessageError(f"not a message ({exc})") from None
    if not isinstance(message_type, str):
        raise CorruptMessageError(f"not a message (type {message_type!r})")
    return Message(message_type, data, node_id)
