"""Local ports: how many connections to one address and port open without a search.

Linux gives every outgoing connection a local port from ``net.ipv4.ip_local_port_range``
(32768-60999 unless changed), and ``connect`` tries the even ports of the range first.
Past half the range, about 14,000 connections to one address and port, every new
connection scans the whole range for a free port: milliseconds of kernel CPU each, in the
generator's process, so a ramp of users who each keep a connection slows to a crawl and
the generator's CPU goes to the kernel. Widening the range moves that point.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["LOCAL_PORT_RANGE", "LocalPorts", "local_ports"]

LOCAL_PORT_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


@dataclass(frozen=True, slots=True)
class LocalPorts:
    """A local port range, and how many connections to one address it serves quickly."""

    low: int
    high: int

    @property
    def without_search(self) -> int:
        """Connections to one address and port before each new one scans the range."""
        return (self.high - self.low + 1) // 2

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"


def local_ports(path: Path = LOCAL_PORT_RANGE) -> LocalPorts | None:
    """This machine's local port range, or ``None`` where it cannot be read (not Linux).

    Example:
        >>> ports = local_ports()
        >>> ports is None or ports.without_search > 0
        True
    """
    try:
        low, high = (int(field) for field in path.read_text().split())
    except (OSError, ValueError):
        return None
    return LocalPorts(low, high)
