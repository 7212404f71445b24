"""Each profile's mechanism, observed through the application in-process."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from horde.demo import DemoConfig, _store


def _concurrently(client, paths):
    """Send the requests at once from threads; returns (reply, seconds) per request."""

    def timed(path):
        started = time.perf_counter()
        reply = client.get(path)
        return reply, time.perf_counter() - started

    with ThreadPoolExecutor(len(paths)) as threads:
        return list(threads.map(timed, paths))


def test_healthy_has_no_per_response_cost(shop):
    reply = shop.get("/api/products/1")
    assert "etag" not in reply.headers
    assert shop.shop.activity is None
    assert shop.shop.staller is None


def test_cpu_spends_the_configured_cpu_time_on_every_response(open_shop):
    client = open_shop("cpu", DemoConfig(cpu_cost_ms=30))
    started = time.perf_counter()
    reply = client.get("/api/products/1")
    assert time.perf_counter() - started >= 0.03
    assert reply.headers["etag"].startswith('"')
    # Errors are rendered too, so they cost the same.
    assert "etag" in client.get("/api/products/5000").headers


def test_cpu_work_is_serialised_on_the_event_loop(open_shop):
    client = open_shop("cpu", DemoConfig(cpu_cost_ms=20))
    started = time.perf_counter()
    results = _concurrently(client, ["/api/products/1"] * 6)
    elapsed = time.perf_counter() - started
    assert all(reply.status == 200 for reply, _ in results)
    # Six 20 ms responses on one loop take at least 120 ms however many arrive at once.
    assert elapsed >= 0.12
    assert max(seconds for _, seconds in results) >= 0.1


def test_health_skips_the_cpu_cost(open_shop):
    client = open_shop("cpu", DemoConfig(cpu_cost_ms=200))
    started = time.perf_counter()
    assert client.get("/health").status == 200
    assert time.perf_counter() - started < 0.15


def test_pool_answers_503_when_no_connection_frees_up_in_time(open_shop):
    config = DemoConfig(pool_connections=1, pool_hold_ms=300, pool_acquire_timeout_s=0.1)
    client = open_shop("pool", config)
    results = _concurrently(client, ["/api/products/1", "/api/products/2", "/api/products/3"])
    statuses = sorted(reply.status for reply, _ in results)
    assert statuses == [200, 503, 503]
    refused = next(reply for reply, _ in results if reply.status == 503)
    assert refused.headers["retry-after"] == "1"
    assert "1 database connections" in refused.json()["error"]


def test_pool_holds_each_connection_for_the_configured_time(open_shop):
    client = open_shop("pool", DemoConfig(pool_connections=2, pool_hold_ms=100))
    started = time.perf_counter()
    results = _concurrently(client, ["/api/products/1"] * 4)
    assert all(reply.status == 200 for reply, _ in results)
    # Four requests through two connections held 100 ms each: two rounds.
    assert time.perf_counter() - started >= 0.2


def test_pool_settings_do_not_apply_to_other_profiles(open_shop):
    config = DemoConfig(pool_connections=1, pool_hold_ms=500, pool_acquire_timeout_s=0.01)
    client = open_shop("healthy", config)
    started = time.perf_counter()
    results = _concurrently(client, ["/api/products/1"] * 3)
    assert all(reply.status == 200 for reply, _ in results)
    assert time.perf_counter() - started < 0.4


def test_stall_blocks_the_loop_on_schedule(open_shop):
    client = open_shop("stall", DemoConfig(stall_period_s=0.3, stall_duration_s=0.15))
    gaps = []
    deadline = time.perf_counter() + 0.75
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        assert client.get("/health").status == 200
        gaps.append(time.perf_counter() - started)
    assert client.shop.staller is not None
    assert client.shop.staller.stalls >= 2
    assert max(gaps) >= 0.1
    assert sorted(gaps)[len(gaps) // 2] < 0.05  # most requests do not meet a stall


def test_slow_query_logs_every_request(open_shop):
    client = open_shop("slow-query", DemoConfig(activity_rows_per_request=3))
    client.get("/api/products/42")
    client.get("/api/products/42")
    client.get("/api/products?page=2")
    client.run(client.shop.activity.flush())
    assert client.run(client.shop.database.read(_store.count_activity)) == 9
    trending = client.get("/api/mobile/feed?since=2000-01-01").json()["trending"]
    assert trending == [{"product_id": 42, "views": 6}]


def test_slow_query_feed_slows_down_as_the_log_grows(open_shop):
    client = open_shop("slow-query", DemoConfig(activity_rows_per_request=20_000))

    def feed_seconds():
        started = time.perf_counter()
        client.get("/api/mobile/feed?since=2000-01-01")
        return time.perf_counter() - started

    before = min(feed_seconds() for _ in range(3))
    for product_id in range(1, 11):
        client.get(f"/api/products/{product_id}")
    client.run(client.shop.activity.flush())
    after = min(feed_seconds() for _ in range(3))
    assert after > 5 * before
    assert after > 0.01
