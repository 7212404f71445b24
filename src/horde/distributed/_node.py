"""What the master knows of one worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from horde.distributed._protocol import HEARTBEAT_LIVENESS
from horde.engine import STATE_INIT

__all__ = ["WorkerNode"]


@dataclass
class WorkerNode:
    """What the master knows of one worker."""

    id: str
    index: int
    state: str = STATE_INIT
    heartbeat: int = HEARTBEAT_LIVENESS
    user_classes_count: dict[str, int] = field(default_factory=dict)
    cpu_usage: float = 0.0
    memory_usage: int = 0
    cpu_warning_emitted: bool = False

    @property
    def user_count(self) -> int:
        """Users the worker last reported running."""
        return sum(self.user_classes_count.values())
