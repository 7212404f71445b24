"""A child process that ends with its parent, however the parent ends."""

from __future__ import annotations

import ctypes
import os
import signal

__all__ = ["end_with_parent"]

_PR_SET_PDEATHSIG = 1


def end_with_parent(parent: int) -> None:
    """Have the kernel send this process SIGTERM when ``parent`` dies (on Linux).

    A parent killed outright (SIGKILL, a crash, a test runner's hard timeout) cannot stop
    its children: a forked worker would go on loading the target, unrecorded, until the
    master's heartbeats had been missing for a minute, and a demo server would hold its
    port for good. Elsewhere nothing changes (each child has its own way out).
    """
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return  # not Linux
    prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)
