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

Profiles (``--profile``), each a real mechanism; the saturation figures are
for the default :class:`DemoConfig` on one core of a 2-core machine, with the
bundled locustfile's users (1 to 5 s between tasks, about 0.33 requests per
second each):

``healthy``
    No bottleneck: 8 connections, cheap handlers. Stays flat beyond 2,000
    users (about 700 requests/s); the server's own ceiling is in the thousands
    of requests per second.
``cpu``
    Every response (all but ``/health``) costs ``cpu_cost_ms`` (5 ms) of CPU
    time, spent hashing on the event loop. Throughput tops out near
    1 / cost (about 180 requests/s, some 550 users); past that every endpoint's
    latency grows in proportion to the users: linear degradation.
``pool``
    ``pool_connections`` (4) connections; each request keeps its connection for
    ``pool_hold_ms`` (20 ms) and waits at most ``pool_acquire_timeout_s`` (1 s)
    for one. Flat up to about connections / hold (200 requests/s, some 600
    users), then requests fail with 503: a cliff.
``stall``
    Every ``stall_period_s`` (10 s) the event loop is blocked, burning CPU, for
    ``stall_duration_s`` (1 s), like a stop-the-world garbage collection, and
    then recovers: a sawtooth with exactly that period, at any load.
``slow-query``
    Every request appends ``activity_rows_per_request`` (1) rows to an activity
    log, and ``GET /api/mobile/feed`` aggregates that whole log (no index) to
    find what is trending, at about 0.25 µs a row. The feed slows down as the
    run goes on, faster the higher the load, while the other endpoints stay
    flat until the feed's scans take the whole core.

The knobs are :class:`DemoConfig` fields; ``python -m horde.demo --help`` lists
them as options and ``HORDE_DEMO_<FIELD>`` environment variables.

Example:
    >>> from horde.demo import start_server_process
    >>> with start_server_process("pool") as server:  # doctest: +SKIP
    ...     run_my_load_test(server.url, LOCUSTFILE)
"""

from pathlib import Path

from horde.demo._config import PROFILES, DemoConfig
from horde.demo._database import PoolTimeoutError
from horde.demo._seed import PASSWORD
from horde.demo._server import DemoServer, DemoServerError, serve, start_server_process
from horde.demo._shop import API_KEY, create_app

#: The bundled locustfile (the e-commerce, API-consumer, admin and mobile users).
LOCUSTFILE: Path = Path(__file__).with_name("locustfile.py")

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
    "start_server_process",
]
