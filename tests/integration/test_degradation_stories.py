"""Each demo profile, under a real step load, tells its own story in ``--summary-json``.

The knobs scale every profile down so that it bites within five 8-second plateaus of
10 to 50 fast users (about 2.4 requests a second each): the run takes 40 s, and the
analysis sees real sockets, a real server and real queueing, not synthetic series.
Where a profile has a capacity, the test computes where it should saturate from the
knobs and the users' pace, and the analysis must land within one step of it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from horde.demo import DemoConfig, start_server_process

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

STEP_USERS = 10
STEP_SECONDS = 8
TOP_USERS = 50
#: The users' mean think time: between(0.2, 0.6).
MEAN_WAIT_S = 0.4

SHOPPERS = """
import random
from datetime import date, timedelta

from locust import HttpUser, between, task


class Shopper(HttpUser):
    wait_time = between(0.2, 0.6)

    @task(4)
    def catalogue(self):
        page = random.randint(1, 50)
        self.client.get(f"/api/products?page={page}&limit=20", name="/api/products?page=[page]")

    @task(3)
    def product(self):
        self.client.get(f"/api/products/{random.randint(1, 1000)}", name="/api/products/[id]")

    @task(1)
    def feed(self):
        since = date.today() - timedelta(days=random.randint(1, 30))
        self.client.get(f"/api/mobile/feed?since={since}", name="/api/mobile/feed?since=[date]")
"""


def knee_users(capacity_rps: float, service_s: float) -> float:
    """Users at which a closed model of ``Shopper`` reaches ``capacity_rps``.

    Each user sends one request per think time plus response time (Little's law), so
    the server is full once ``users / (MEAN_WAIT_S + service_s)`` reaches its capacity.
    """
    return capacity_rps * (MEAN_WAIT_S + service_s)


def step_load(horde, locustfile, tmp_path: Path, profile: str, config: DemoConfig) -> dict:
    """Run the step load against a fresh shop; return the ``"analysis"`` of its summary."""
    locustfile(SHOPPERS)
    summary = tmp_path / "summary.json"
    with start_server_process(profile, config=config) as server:
        result = horde(
            "--headless",
            "-H",
            server.url,
            "--step-users",
            str(STEP_USERS),
            "--step-time",
            f"{STEP_SECONDS}s",
            "-u",
            str(TOP_USERS),
            "--summary-json",
            str(summary),
            "--only-summary",
            timeout=100,
        )
    assert result.code in (0, 1), result.stderr
    analysis = json.loads(summary.read_text())["analysis"]
    assert analysis["story"] in result.stderr
    return analysis


def assert_saturates_near(analysis: dict, knee: float) -> None:
    saturation = analysis["saturation"]
    assert saturation is not None, analysis["story"]
    assert abs(saturation["users"] - knee) <= STEP_USERS, (knee, analysis["story"])


def test_healthy_stays_healthy(horde, locustfile, tmp_path):
    analysis = step_load(horde, locustfile, tmp_path, "healthy", DemoConfig())
    assert analysis["pattern"] == "healthy", analysis["story"]
    assert analysis["saturation"] is None
    assert analysis["graceful"] is True
    assert "not reached" in analysis["story"]


def test_cpu_degrades_linearly_past_its_capacity(horde, locustfile, tmp_path):
    cost_s = 0.015
    analysis = step_load(horde, locustfile, tmp_path, "cpu", DemoConfig(cpu_cost_ms=cost_s * 1e3))
    assert analysis["pattern"] == "linear", analysis["story"]
    assert_saturates_near(analysis, knee_users(1 / cost_s, cost_s))
    assert analysis["graceful"] is True
    assert "CPU" in analysis["fix"]


def test_pool_falls_off_a_cliff_when_it_runs_out(horde, locustfile, tmp_path):
    hold_s = 0.015
    config = DemoConfig(pool_connections=1, pool_hold_ms=hold_s * 1e3, pool_acquire_timeout_s=0.1)
    analysis = step_load(horde, locustfile, tmp_path, "pool", config)
    assert analysis["pattern"] == "cliff", analysis["story"]
    assert_saturates_near(analysis, knee_users(1 / hold_s, hold_s))
    assert analysis["evidence"]["saturated_failure_ratio"] > 0.01
    assert "pool" in analysis["fix"]


def test_stall_is_a_sawtooth_with_its_period(horde, locustfile, tmp_path):
    config = DemoConfig(stall_period_s=3.5, stall_duration_s=0.5)
    analysis = step_load(horde, locustfile, tmp_path, "stall", config)
    assert analysis["pattern"] == "sawtooth", analysis["story"]
    assert analysis["period_s"] == pytest.approx(config.stall_period_s, rel=0.2)
    assert "every 3." in analysis["story"]


def test_slow_query_names_the_feed_as_the_bottleneck(horde, locustfile, tmp_path):
    config = DemoConfig(activity_rows_per_request=100)
    analysis = step_load(horde, locustfile, tmp_path, "slow-query", config)
    assert analysis["pattern"] == "flat_then_spike", analysis["story"]
    assert analysis["bottleneck_endpoint"] == "GET /api/mobile/feed?since=[date]"
    assert analysis["story"].startswith("GET /api/mobile/feed?since=[date] is the bottleneck")


def test_a_stepped_arrival_rate_finds_the_cpu_capacity_in_iterations_per_second(
    horde, locustfile, tmp_path
):
    cost_s = 0.015
    locustfile(
        """
        import random

        from locust import HttpUser, task


        class Reader(HttpUser):
            @task
            def product(self):
                product = random.randint(1, 1000)
                self.client.get(f"/api/products/{product}", name="/api/products/[id]")
        """
    )
    summary = tmp_path / "summary.json"
    config = DemoConfig(cpu_cost_ms=cost_s * 1e3)
    with start_server_process("cpu", config=config) as server:
        result = horde(
            "--headless",
            "-H",
            server.url,
            "--arrival-rate",
            "20/s..100/s",
            "-t",
            "40s",
            "--step-time",
            f"{STEP_SECONDS}s",
            "--max-concurrency",
            "200",
            "--summary-json",
            str(summary),
            "--only-summary",
            timeout=100,
        )
    assert result.code in (0, 1), result.stderr
    document = json.loads(summary.read_text())
    assert [step["users"] for step in document["steps"]] == [20, 40, 60, 80, 100]
    analysis = document["analysis"]
    assert analysis["load_unit"] == "iterations/s"
    assert [step["users"] for step in analysis["evidence"]["steps"]] == [20, 40, 60, 80, 100]
    # One request per iteration: the server's capacity, 1 / cost, is the knee.
    saturation = analysis["saturation"]
    assert saturation is not None, analysis["story"]
    assert abs(saturation["users"] - 1 / cost_s) <= 20, analysis["story"]
    assert "iterations/s" in analysis["story"]
