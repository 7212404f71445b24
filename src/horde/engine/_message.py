"""Message: one custom or control message between runners."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Message"]


@dataclass(frozen=True, slots=True)
class Message:
    """A message: its type, its data, and the node it concerns."""

    type: str
    data: Any
    node_id: str | None
