"""Timings of the master/worker protocol (Locust's values, unless said), and horde's own
keys in its messages."""

from __future__ import annotations

from typing import Any

from horde.runtime import LoopFigures

__all__ = [
    "ARRIVALS_KEY",
    "ARRIVALS_MESSAGE",
    "CONNECT_RETRY_COUNT",
    "CONNECT_TIMEOUT",
    "HEARTBEAT_INTERVAL",
    "HEARTBEAT_LIVENESS",
    "MASTER_HEARTBEAT_TIMEOUT",
    "MEMORY_PEAK_KEY",
    "QUIT_REPORT_TIMEOUT",
    "SPAWN_REPORT_TIMEOUT",
    "WORKER_REPORT_INTERVAL",
    "loop_figures_data",
    "loop_figures_of",
]

#: Seconds between heartbeats, both ways.
HEARTBEAT_INTERVAL = 1.0
#: Heartbeats a worker may miss before the master counts it missing.
HEARTBEAT_LIVENESS = 3
#: A worker quits when the master has been silent this long.
MASTER_HEARTBEAT_TIMEOUT = 60.0
#: Seconds between a worker's statistics reports. Locust's workers report every 3 s;
#: horde's report every second, so the master's per-second series stay per second.
WORKER_REPORT_INTERVAL = 1.0
#: A worker waits this long for the master's ``ack`` before asking again ...
CONNECT_TIMEOUT = 5.0
#: ... and gives up after this many tries.
CONNECT_RETRY_COUNT = 60
#: After its last spawn message the master waits this long for the workers' counts.
SPAWN_REPORT_TIMEOUT = 1.0
#: At quit, how long the master waits for each worker's final report.
QUIT_REPORT_TIMEOUT = 5.0

#: horde's own message: run a share of an open-model (arrival-rate) test.
ARRIVALS_MESSAGE = "horde_arrivals"
#: The key of a worker report's open-model counts.
ARRIVALS_KEY = "horde_arrivals"
#: The keys of a heartbeat's or report's event-loop figures: stalls so far, the longest
#: lag (ms), the time blocked (s), the time user code held it (s), the time watched (s),
#: and the code found holding it most often.
_LOOP_STALLS_KEY = "horde_loop_stalls"
_LOOP_LAG_KEY = "horde_loop_lag_max_ms"
_LOOP_BLOCKED_KEY = "horde_loop_blocked_s"
_LOOP_HELD_KEY = "horde_loop_held_s"
_LOOP_WATCHED_KEY = "horde_loop_watched_s"
_LOOP_HELD_BY_KEY = "horde_loop_held_by"
#: The key of a heartbeat's peak of resident memory (bytes): samples miss it.
MEMORY_PEAK_KEY = "horde_memory_peak_bytes"


def loop_figures_data(figures: LoopFigures) -> dict[str, Any]:
    """A worker's event-loop figures as message keys (which a Locust master skips)."""
    return {
        _LOOP_STALLS_KEY: figures.stalls,
        _LOOP_LAG_KEY: figures.max_lag_ms,
        _LOOP_BLOCKED_KEY: figures.blocked_s,
        _LOOP_HELD_KEY: figures.held_s,
        _LOOP_WATCHED_KEY: figures.watched_s,
        _LOOP_HELD_BY_KEY: figures.held_by,
    }


def loop_figures_of(data: dict[str, Any]) -> LoopFigures | None:
    """The event-loop figures in a worker's message; None when it has none (a Locust
    worker)."""
    if _LOOP_STALLS_KEY not in data:
        return None
    return LoopFigures(
        int(data[_LOOP_STALLS_KEY]),
        float(data.get(_LOOP_LAG_KEY, 0.0)),
        float(data.get(_LOOP_BLOCKED_KEY, 0.0)),
        float(data.get(_LOOP_HELD_KEY, 0.0)),
        float(data.get(_LOOP_WATCHED_KEY, 0.0)),
        str(data.get(_LOOP_HELD_BY_KEY, "")),
    )
