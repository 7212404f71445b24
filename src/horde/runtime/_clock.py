"""Clocks: where the engine reads the time, so tests can substitute their own."""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    """Wall-clock and monotonic time, in seconds."""

    def time(self) -> float:
        """Seconds since the epoch (timestamps in reports)."""
        ...

    def monotonic(self) -> float:
        """A monotonic reading (durations)."""
        ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def monotonic(self) -> float:
        """``time.perf_counter()``."""
        return time.perf_counter()
