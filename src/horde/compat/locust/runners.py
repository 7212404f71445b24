"""``locust.runners``: runner classes, states and timing constants."""

from horde.engine import (
    STATE_CLEANUP,
    STATE_INIT,
    STATE_MISSING,
    STATE_RUNNING,
    STATE_SPAWNING,
    STATE_STOPPED,
    STATE_STOPPING,
    LocalRunner,
)

Runner = LocalRunner

HEARTBEAT_INTERVAL = 1
HEARTBEAT_LIVENESS = 3
HEARTBEAT_DEAD_INTERNAL = -60
MASTER_HEARTBEAT_TIMEOUT = 60
WORKER_REPORT_INTERVAL = 3.0
WORKER_LOG_REPORT_INTERVAL = 10
CPU_MONITOR_INTERVAL = 10.0
CPU_WARNING_THRESHOLD = 90


class DistributedRunner(LocalRunner):
    """Base of the distributed runners; horde cannot create them in this version.

    The classes exist so that locustfiles testing ``isinstance(runner, WorkerRunner)``
    work: with a local runner such checks are simply false.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError("distributed mode is not available in this version of horde")


class MasterRunner(DistributedRunner):
    """The master of a distributed run (not available in this version)."""


class WorkerRunner(DistributedRunner):
    """A worker of a distributed run (not available in this version)."""


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
    "LocalRunner",
    "MasterRunner",
    "Runner",
    "WorkerRunner",
]
