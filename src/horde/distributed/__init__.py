"""Distributed runs: a master places users on workers over ZeroMQ, in Locust's protocol.

``--master`` and ``--worker`` run one side each, on any machines; ``--processes N`` runs a
master and N local workers behind one command.
"""

from horde.distributed._codec import CorruptMessageError, decode, encode
from horde.distributed._master import MasterRunner
from horde.distributed._node import WorkerNode
from horde.distributed._placement import Placement, worker_order
from horde.distributed._protocol import WORKER_REPORT_INTERVAL
from horde.distributed._transport import PortBusyError
from horde.distributed._worker import WorkerRunner

__all__ = [
    "WORKER_REPORT_INTERVAL",
    "CorruptMessageError",
    "MasterRunner",
    "Placement",
    "PortBusyError",
    "WorkerNode",
    "WorkerRunner",
    "decode",
    "encode",
    "worker_order",
]
