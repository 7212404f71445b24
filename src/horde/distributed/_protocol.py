"""Timings of the master/worker protocol (Locust's values, unless said)."""

from __future__ import annotations

__all__ = [
    "ARRIVALS_KEY",
    "ARRIVALS_MESSAGE",
    "CONNECT_RETRY_COUNT",
    "CONNECT_TIMEOUT",
    "HEARTBEAT_INTERVAL",
    "HEARTBEAT_LIVENESS",
    "LOOP_BLOCKED_KEY",
    "LOOP_HELD_BY_KEY",
    "LOOP_LAG_KEY",
    "LOOP_STALLS_KEY",
    "MASTER_HEARTBEAT_TIMEOUT",
    "MEMORY_PEAK_KEY",
    "QUIT_REPORT_TIMEOUT",
    "SPAWN_REPORT_TIMEOUT",
    "WORKER_REPORT_INTERVAL",
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
#: The keys of a heartbeat's event-loop figures: stalls so far, the longest lag (ms), the
#: time blocked (s), and the code found holding the loop most often.
LOOP_STALLS_KEY = "horde_loop_stalls"
LOOP_LAG_KEY = "horde_loop_lag_max_ms"
LOOP_BLOCKED_KEY = "horde_loop_blocked_s"
LOOP_HELD_BY_KEY = "horde_loop_held_by"
#: The key of a heartbeat's peak of resident memory (bytes): samples miss it.
MEMORY_PEAK_KEY = "horde_memory_peak_bytes"
