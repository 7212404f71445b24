"""Each bottleneck profile produces its pattern for real, at small scale, over real sockets."""

from __future__ import annotations

import itertools
import json
import statistics
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from horde.demo import DemoConfig, start_server_process


def timed_get(url: str, timeout: float = 10.0) -> tuple[int, float]:
    """GET ``url``; returns the status and the seconds it took."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        with error:
            status = error.code
    return status, time.perf_counter() - started


def concurrently(url: str, count: int) -> list[tuple[int, float]]:
    """Send ``count`` GETs to ``url`` at once, one thread each."""
    with ThreadPoolExecutor(count) as threads:
        return list(threads.map(timed_get, [url] * count))


def median_seconds(results: list[tuple[int, float]]) -> float:
    return statistics.median(seconds for _, seconds in results)


def test_healthy_stays_fast_under_concurrency():
    with start_server_process("healthy") as server:
        results = concurrently(f"{server.url}/api/products/1", 16)
    assert {status for status, _ in results} == {200}
    assert max(seconds for _, seconds in results) < 1.0


@pytest.mark.slow
def test_cpu_latency_grows_with_concurrency():
    with start_server_process("cpu", config=DemoConfig(cpu_cost_ms=20)) as server:
        url = f"{server.url}/api/products/1"
        alone = [timed_get(url) for _ in range(5)]
        crowded = concurrently(url, 12)
    assert {status for status, _ in alone + crowded} == {200}
    assert median_seconds(alone) >= 0.02
    # Twelve requests on one loop at 20 ms each: the median waits for about six.
    assert median_seconds(crowded) >= 3 * median_seconds(alone)


@pytest.mark.slow
def test_pool_fails_fast_beyond_its_connections_then_recovers():
    config = DemoConfig(pool_connections=1, pool_hold_ms=150, pool_acquire_timeout_s=0.1)
    with start_server_process("pool", config=config) as server:
        url = f"{server.url}/api/products/1"
        alone = timed_get(url)
        crowded = concurrently(url, 6)
        time.sleep(0.3)
        after = timed_get(url)
    statuses = [status for status, _ in crowded]
    assert alone[0] == 200
    assert alone[1] >= 0.15
    assert 200 in statuses
    assert statuses.count(503) >= 3
    # The refused requests waited for the acquire timeout, not for the queue.
    assert max(seconds for status, seconds in crowded if status == 503) < 1.0
    assert after[0] == 200


@pytest.mark.slow
def test_stall_pauses_the_whole_server_periodically():
    config = DemoConfig(stall_period_s=0.8, stall_duration_s=0.3)
    with start_server_process("stall", config=config) as server:
        url = f"{server.url}/api/products/1"
        samples = []
        deadline = time.perf_counter() + 2.0
        while time.perf_counter() < deadline:
            status, seconds = timed_get(url)
            assert status == 200
            samples.append((time.perf_counter(), seconds))
    pauses = [end for end, seconds in samples if seconds >= 0.15]
    assert 2 <= len(pauses) <= 3
    # The pauses are one period apart and most requests meet none.
    spacing = [later - earlier for earlier, later in itertools.pairwise(pauses)]
    assert all(0.6 <= gap <= 1.0 for gap in spacing)
    assert statistics.median(seconds for _, seconds in samples) < 0.05


@pytest.mark.slow
def test_slow_query_slows_only_the_feed_as_the_log_grows():
    config = DemoConfig(activity_rows_per_request=20_000)
    with start_server_process("slow-query", config=config) as server:
        feed = f"{server.url}/api/mobile/feed?since=2000-01-01"
        detail = f"{server.url}/api/products/7"

        def best_of_three(url: str) -> float:
            return min(timed_get(url)[1] for _ in range(3))

        feed_before, detail_before = best_of_three(feed), best_of_three(detail)
        for _ in range(10):  # each view logs 20,000 rows
            timed_get(detail)
        _wait_for_views(feed, 13 * 20_000)
        feed_after, detail_after = best_of_three(feed), best_of_three(detail)
    assert feed_after > 5 * feed_before
    assert feed_after > 0.02
    assert detail_after < max(3 * detail_before, 0.01)


def _wait_for_views(feed_url: str, views: int) -> None:
    """Wait until the log's batches are committed and the feed counts ``views`` views."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with urllib.request.urlopen(feed_url, timeout=10) as response:
            trending = json.loads(response.read())["trending"]
        if trending and trending[0]["views"] >= views:
            return
        time.sleep(0.05)
    raise AssertionError(f"the activity log never reached {views} views")
