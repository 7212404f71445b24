"""The demo shop: a real HTTP server with switchable bottlenecks, to load-test.

It is the default target of ``horde demo`` and the fixture of horde's
integration tests. One process serves a Starlette application with uvicorn
(httptools and uvloop when installed); its data lives in a SQLite file (WAL
mode) created and seeded at startup and deleted at shutdown, queried from a
pool of connections in worker threads so the event loop never waits on disk.

Seeded data: users ``user1@example.com`` to ``user1000@example.com``, all with
the password :data:`PASSWORD` (``secret``); products with ids 1 to 1000; 2,000
past orders. The export endpoint wants the header ``X-API-Key: horde-demo-key``
(:data:`API_KEY`). The endpoints are listed in ``horde/demo/_shop.py``.

Profiles (``--profile``), each a real mechanism. The figures were measured
with the default :class:`DemoConfig`, the server pinned to one core of a 2-core
machine and a closed-model load on the other core mimicking the bundled
locustfile (1 to 5 s between tasks, about 0.33 requests per second a user):

``healthy``
    No bottleneck: 8 connections, cheap handlers. Flat (p50 about 1 ms, p95
    under 5 ms) up to 3,000 users, 1,000 requests/s; one product page alone
    tops out near 12,000 requests/s.
``cpu``
    Every response (all but ``/health``, errors included) costs ``cpu_cost_ms``
    (8 ms) of CPU time, hashing on the event loop, so requests queue behind
    each other. Throughput tops out near 1 / cost: about 117 requests/s, some
    350 users. Past that latency grows in proportion to the users (the median
    went 0.15, 1.2 and 2.2 s at 400, 500 and 600 users), with no errors: linear
    degradation.
``pool``
    ``pool_connections`` (4) connections; each request keeps its connection for
    ``pool_hold_ms`` (30 ms) and waits at most ``pool_acquire_timeout_s`` (1 s)
    for one. Capacity is connections / hold, about 133 requests/s: flat (about
    31 ms) up to 300 users, then waits jump (115 ms at 400 users, 775 ms at
    500) until they reach the timeout, and requests fail with 503 (2 % of them
    at 500 users, 13 % at 600): a cliff.
``stall``
    Every ``stall_period_s`` (10 s) the event loop is blocked, burning CPU, for
    ``stall_duration_s`` (1 s), like a stop-the-world garbage collection, and
    then recovers: a sawtooth with exactly that period, at any load. The
    first pause starts one period after startup.
``slow-query``
    Every request appends ``activity_rows_per_request`` (10) rows to an
    activity log, and ``GET /api/mobile/feed`` aggregates that whole log (no
    index) to find what is trending, at about 0.25 µs a row. The log grows with
    the load and the time, so the feed slows down while the other endpoints
    stay flat: in a step load of +100 users every 15 s, the feed's p50 went
    2, 4, 8, 13, 28 ms from 100 to 600 users while the others stayed near
    1 ms; at 800 users (after 100 s) the feed's scans took the whole core and
    every endpoint collapsed.

The knobs are :class:`DemoConfig` fields; ``python -m horde.demo --help`` lists
them as options and ``HORDE_DEMO_<FIELD>`` environment variables.

Example:
    >>> from horde.demo import start_server_process
    >>> with start_server_process("pool") as server:  # doctest: +SKIP
    ...     run_my_load_test(server.url, LOCUSTFILE)
"""

from pathlib import Path as _Path

from horde.demo._cli import main as serve_command
from horde.demo._config import PROFILES, DemoConfig
from horde.demo._database import PoolTimeoutError
from horde.demo._seed import PASSWORD
from horde.demo._server import DemoServer, DemoServerError, serve, start_server_process
from horde.demo._shop import API_KEY, create_app

#: The bundled locustfile (the e-commerce, API-consumer, admin and mobile users).
LOCUSTFILE: _Path = _Path(__file__).with_name("locustfile.py")

__all__ = [
    "API_KEY",
    "LOCUSTFILE",
    "PASSWORD",
    "PROFILES",
    "DemoConfig",
    "DemoServer",
    "DemoServerError",
    "PoolTimeoutError",
    "create_app",
    "serve",
    "serve_command",
    "start_server_process",
]
