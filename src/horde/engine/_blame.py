"""Naming the user code that blocks the event loop, for the loop-lag warning."""

from __future__ import annotations

from types import FrameType

from horde.runtime import LOOP_OVERLOADED, describe_frame
from horde.user import TaskSet, User

__all__ = ["describe_blocking_frame"]


def describe_blocking_frame(frame: FrameType) -> str:
    """Say which user class (and line) the blocked loop is running, if any."""
    where = describe_frame(frame)
    if where == LOOP_OVERLOADED:
        return where
    current: FrameType | None = frame
    while current is not None:
        owner = current.f_locals.get("self")
        if isinstance(owner, TaskSet):
            owner = owner.user
        if isinstance(owner, User):
            return f"user class {type(owner).__name__} at {where}"
        current = current.f_back
    return where
