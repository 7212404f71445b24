"""The process's file-descriptor table, grown to full size before the load starts.

Linux grows a process's descriptor table by doubling it when a new descriptor does not
fit (at 256, 512, 1,024... descriptors). In a process with more than one thread, each
growth waits for an RCU grace period: the call that opened the descriptor (a user's
``connect``) blocks the whole event loop for 5 to 15 ms. A ramp of thousands of users,
each opening its connection, paid that at every doubling, and those stalls became the
run's maximum response times. Growing the table once, before any thread starts, costs
microseconds and no wait. Every runner does it when it is made: in the command that is
before any thread starts, and in a forked worker after the fork (a forked table only
fits the descriptors open).
"""

from __future__ import annotations

import fcntl
import os
import resource

__all__ = ["RESERVED_DESCRIPTORS", "reserve_descriptors"]

RESERVED_DESCRIPTORS = 65_536
"""The most descriptors reserved up front (the table takes 8 bytes of kernel memory each);
a process allowed more grows beyond this the usual way."""


def reserve_descriptors(count: int = RESERVED_DESCRIPTORS) -> int:
    """Grow the descriptor table to hold ``count`` descriptors (at most the open-file limit).

    Call it before starting threads: then the growth waits for nothing. No descriptor is
    left open, and none in use is touched.

    Returns:
        How many descriptors the table was grown to hold (0 if it could not be).
    """
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY:
        count = min(count, soft)
    if count <= 0:
        return 0
    try:
        probe = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return 0
    try:
        # The lowest free descriptor at or above count - 1: the table grows to hold it,
        # and no descriptor in use is replaced (dup2 would close one).
        highest = fcntl.fcntl(probe, fcntl.F_DUPFD_CLOEXEC, count - 1)
    except OSError:  # the limit changed under us, or the table is full
        return 0
    finally:
        os.close(probe)
    os.close(highest)
    return count
