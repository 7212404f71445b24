"""``locust.event``: the event hook classes."""

from horde.event import EventHook, Events

DeprecatedEventHook = EventHook

__all__ = ["DeprecatedEventHook", "EventHook", "Events"]
