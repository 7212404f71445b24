"""A private network namespace with a wide local port range, for many connections to one port.

Linux gives every connection a local port from ``net.ipv4.ip_local_port_range``
(32768-60999 unless changed), and ``connect`` tries the even ports first. Past half the
range, about 14,000 connections to one address and port, every new connection scans the
whole range for a free port: milliseconds of kernel CPU each, charged to the generator,
and a ramp that crawls. That is the kernel's limit, not a generator's, so a benchmark of
20,000 connections to one nginx runs where the range is wide: in a network namespace of
its own (its own loopback, its own range), which leaves the machine's settings alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "in_private_namespace",
    "local_port_range",
    "rerun_in_private_namespace",
    "set_up_private_namespace",
]

_FLAG = "HORDE_BENCHMARK_PRIVATE_NETWORK"
_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_WIDE = (1024, 65535)
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1


def in_private_namespace() -> bool:
    """Whether this process is the rerun inside the private namespace."""
    return os.environ.get(_FLAG) == "1"


def rerun_in_private_namespace(argv: Sequence[str]) -> int | None:
    """Run this script again in a private network namespace; return its exit code.

    ``unshare --net`` needs root. (A user namespace would let anyone make one, but nginx
    started as its root then fails to hand its files to ``nobody``, who is not mapped.)
    Returns ``None`` when it cannot, and the caller runs where it is.
    """
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    probe = subprocess.run([unshare, "--net", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        return None
    command = [unshare, "--net", "--", sys.executable, *argv]
    return subprocess.run(command, env={**os.environ, _FLAG: "1"}, check=False).returncode


def set_up_private_namespace() -> None:
    """Bring the namespace's loopback up and widen its local port range (best effort)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | _IFF_UP))
    with contextlib.suppress(OSError):  # the note under the table tells the range it had
        _RANGE.write_text(f"{_WIDE[0]} {_WIDE[1]}\n")


def local_port_range() -> tuple[int, int]:
    """This network namespace's local port range (the kernel default when unreadable)."""
    try:
        low, high = _RANGE.read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999
