"""Reading CPU use from /proc (Linux): one process's, and each core's."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MachineTimes", "cpu_seconds", "machine_times"]

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class MachineTimes:
    """Cumulative CPU seconds from /proc/stat.

    ``core_busy_seconds`` counts everything but idle and iowait, per core: on
    loopback much of the network work runs as softirq, which is charged to the
    core but to no process. ``process_seconds`` is user+nice+system over all
    cores: the time that belongs to some process.
    """

    core_busy_seconds: dict[int, float]
    process_seconds: float


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time used so far by a process, all its threads included."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may hold spaces, so split after its closing
    # parenthesis: the list then starts at field 3 and utime, stime (fields 14,
    # 15) sit at indexes 11 and 12.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND


def machine_times() -> MachineTimes:
    """Per-core busy time and total process time so far."""
    core_busy: dict[int, float] = {}
    process_ticks = 0
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if not (name.startswith("cpu") and name[3:].isdigit()):
            continue
        # user nice system idle iowait irq softirq steal ...
        ticks = [int(value) for value in values[:8]]
        user, nice, system, idle, iowait = ticks[:5]
        core_busy[int(name[3:])] = (sum(ticks) - idle - iowait) / _TICKS_PER_SECOND
        process_ticks += user + nice + system
    return MachineTimes(core_busy, process_ticks / _TICKS_PER_SECOND)
