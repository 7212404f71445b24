"""``locust.rpc``: the message that master and workers exchange, and that custom message
handlers receive as ``msg``.

It is horde's own message with Locust's wire methods: ``isinstance(msg, Message)`` holds
for every message horde hands a handler.

Example:
    >>> message = Message("greeting", {"n": 1}, "host_1")
    >>> Message.unserialize(message.serialize()).data
    {'n': 1}
"""

from __future__ import annotations

from typing import Any

from horde.distributed import decode, encode
from horde.engine import Message as _HordeMessage

__all__ = ["Message"]


class _AnyHordeMessage(type):
    """``Message`` itself matches horde's messages; a class derived from it matches as any
    class does."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is Message:
            return isinstance(instance, _HordeMessage)
        return type.__instancecheck__(cls, instance)

    def __subclasscheck__(cls, subclass: type) -> bool:
        if cls is Message:
            return issubclass(subclass, _HordeMessage)
        return type.__subclasscheck__(cls, subclass)


class Message(_HordeMessage, metaclass=_AnyHordeMessage):
    """A message: ``Message(message_type, data, node_id)``, read as ``.type``, ``.data``
    and ``.node_id``; ``node_id`` is the worker's client id either way."""

    __slots__ = ()

    def serialize(self) -> bytes:
        """The message as Locust's nodes send it: msgpack of ``(type, data, node_id)``.

        Raises:
            TypeError: If the data holds a value msgpack cannot carry.
        """
        return encode(self)

    @classmethod
    def unserialize(cls, data: bytes) -> Message:
        """The message in ``data``, as :meth:`serialize` (or a Locust node) made it.

        Raises:
            CorruptMessageError: A ``ValueError``, if ``data`` is not a message.
        """
        message = decode(data)
        return cls(message.type, message.data, message.node_id)
