"""The runtime: event loop, greenlet bridge, cooperative sleep, blocking calls, monitors,
and the process settings a load needs (collector, descriptor table) or should have
(local ports)."""

from horde.runtime._blocking import run_blocking
from horde.runtime._breaker import LoopBreaker
from horde.runtime._bridge import (
    Deadline,
    SyncCaller,
    await_,
    call_sync,
    in_bridge,
    interrupt,
    interrupt_later,
)
from horde.runtime._cpu import (
    CPU_WARNING_THRESHOLD,
    CpuMonitor,
    peak_resident_memory,
    resident_memory,
)
from horde.runtime._descriptors import reserve_descriptors
from horde.runtime._gc import settle, unsettle
from horde.runtime._lag import (
    BLOCKING_ADVICE,
    LOOP_HELD_SHARE,
    LOOP_OVERLOADED,
    LoopFigures,
    LoopLagMonitor,
    describe_frame,
)
from horde.runtime._loop import new_event_loop, run
from horde.runtime._ports import LocalPorts, local_ports
from horde.runtime._sleep import Alarm, alarm_for, cooperative_sleep, sleep
from horde.runtime._turns import LOOP_TURNS, LoopTurns

__all__ = [
    "BLOCKING_ADVICE",
    "CPU_WARNING_THRESHOLD",
    "LOOP_HELD_SHARE",
    "LOOP_OVERLOADED",
    "LOOP_TURNS",
    "Alarm",
    "CpuMonitor",
    "Deadline",
    "LocalPorts",
    "LoopBreaker",
    "LoopFigures",
    "LoopLagMonitor",
    "LoopTurns",
    "SyncCaller",
    "alarm_for",
    "await_",
    "call_sync",
    "cooperative_sleep",
    "describe_frame",
    "in_bridge",
    "interrupt",
    "interrupt_later",
    "local_ports",
    "new_event_loop",
    "peak_resident_memory",
    "reserve_descriptors",
    "resident_memory",
    "run",
    "run_blocking",
    "settle",
    "sleep",
    "unsettle",
]
