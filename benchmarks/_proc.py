"""Reading a running process's resource use from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cpu_seconds"]

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time used so far by a process, all its threads included."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may hold spaces, so split after its closing
    # parenthesis: the list then starts at field 3 and utime, stime (fields 14,
    # 15) sit at indexes 11 and 12.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND
