"""``locust.runners``: runner classes, states and timing constants.

horde's runners all derive from its local runner; Locust's classes are told apart the
way locustfiles test them: ``MasterRunner`` and ``WorkerRunner`` are horde's own,
``DistributedRunner`` matches either, and ``LocalRunner`` matches neither.
"""

from __future__ import annotations

from typing import Any

from horde.distributed import MasterRunner, WorkerNode, WorkerRunner
from horde.engine import (
    STATE_CLEANUP,
    STATE_INIT,
    STATE_MISSING,
    STATE_RUNNING,
    STATE_SPAWNING,
    STATE_STOPPED,
    STATE_STOPPING,
)
from horde.engine import LocalRunner as Runner

HEARTBEAT_INTERVAL = 1
HEARTBEAT_LIVENESS = 3
HEARTBEAT_DEAD_INTERNAL = -60
MASTER_HEARTBEAT_TIMEOUT = 60
WORKER_REPORT_INTERVAL = 3.0
WORKER_LOG_REPORT_INTERVAL = 10
CPU_MONITOR_INTERVAL = 10.0
CPU_WARNING_THRESHOLD = 90

_DISTRIBUTED = (MasterRunner, WorkerRunner)


class _Distributed(type):
    """``DistributedRunner`` itself matches horde's master and worker; a class derived
    from it matches as any class does."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is DistributedRunner:
            return isinstance(instance, _DISTRIBUTED) or type.__instancecheck__(cls, instance)
        return type.__instancecheck__(cls, instance)

    def __subclasscheck__(cls, subclass: type) -> bool:
        if cls is DistributedRunner and issubclass(subclass, _DISTRIBUTED):
            return True
        return type.__subclasscheck__(cls, subclass)


class DistributedRunner(metaclass=_Distributed):
    """Locust's base of ``MasterRunner`` and ``WorkerRunner``: ``isinstance`` matches
    either (horde's two do not share a base of their own)."""


class _Local(type):
    """``LocalRunner`` itself matches horde's runners but a master or a worker; a class
    derived from it matches as any class does."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is LocalRunner:
            return isinstance(instance, Runner) and not isinstance(instance, _DISTRIBUTED)
        return type.__instancecheck__(cls, instance)

    def __subclasscheck__(cls, subclass: type) -> bool:
        if cls is LocalRunner:
            return issubclass(subclass, Runner) and not issubclass(subclass, _DISTRIBUTED)
        return type.__subclasscheck__(cls, subclass)


class LocalRunner(Runner, metaclass=_Local):
    """The runner of a single-process run: ``isinstance`` is false for a master or a
    worker, as in Locust, though horde's derive from it."""


__all__ = [
    "CPU_MONITOR_INTERVAL",
    "CPU_WARNING_THRESHOLD",
    "HEARTBEAT_DEAD_INTERNAL",
    "HEARTBEAT_INTERVAL",
    "HEARTBEAT_LIVENESS",
    "MASTER_HEARTBEAT_TIMEOUT",
    "STATE_CLEANUP",
    "STATE_INIT",
    "STATE_MISSING",
    "STATE_RUNNING",
    "STATE_SPAWNING",
    "STATE_STOPPED",
    "STATE_STOPPING",
    "WORKER_LOG_REPORT_INTERVAL",
    "WORKER_REPORT_INTERVAL",
    "DistributedRunner",
    "LocalRunner",
    "MasterRunner",
    "Runner",
    "WorkerNode",
    "WorkerRunner",
]
