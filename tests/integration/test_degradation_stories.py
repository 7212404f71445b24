"""Each demo profile, under a real step load, tells its own story in ``--summary-json``.

The knobs scale every profile down so that it bites within five 8-second plateaus of
10 to 50 fast users (about 2.4 requests a second each): the run takes 40 s, and the
analysis sees real sockets, a real server and real queueing, not synthetic series.
Where a profile has a capacity, the test computes where it should saturate from the
knobs and the users' pace, and the analysis must land within one step of it.

The runs are mostly waiting, so the light ones run side by side with a CPU-bound one
(see ``WAVES``): the first test of a wave starts all of its runs, and the others find
theirs done.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.command import run_horde

from horde.demo import DemoConfig, start_server_process

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

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


READERS = """
import random

from locust import HttpUser, task


class Reader(HttpUser):
    @task
    def product(self):
        product = random.randint(1, 1000)
        self.client.get(f"/api/products/{product}", name="/api/products/[id]")
"""

#: The cost of a request to the CPU-bound profile: its capacity is 1 / cost a second.
CPU_COST_S = 0.015
#: How long the pool profile holds its only connection per request.
POOL_HOLD_S = 0.015
STALL = DemoConfig(stall_period_s=3.5, stall_duration_s=0.5)
STEP_LOAD = (
    "--step-users",
    str(STEP_USERS),
    "--step-time",
    f"{STEP_SECONDS}s",
    "-u",
    str(TOP_USERS),
)


@dataclass(frozen=True)
class Run:
    """One ``horde`` run against a fresh shop of the given profile."""

    profile: str
    config: DemoConfig
    locustfile: str = SHOPPERS
    load: tuple[str, ...] = STEP_LOAD


RUNS = {
    "healthy": Run("healthy", DemoConfig()),
    "cpu": Run("cpu", DemoConfig(cpu_cost_ms=CPU_COST_S * 1e3)),
    "pool": Run(
        "pool",
        DemoConfig(pool_connections=1, pool_hold_ms=POOL_HOLD_S * 1e3, pool_acquire_timeout_s=0.1),
    ),
    "stall": Run("stall", STALL),
    "slow-query": Run("slow-query", DemoConfig(activity_rows_per_request=100)),
    "arrivals": Run(
        "cpu",
        DemoConfig(cpu_cost_ms=CPU_COST_S * 1e3),
        READERS,
        (
            *("--arrival-rate", "20/s..100/s", "-t", "40s", "--step-time", f"{STEP_SECONDS}s"),
            *("--max-concurrency", "200"),
        ),
    ),
}
#: Runs started together: the CPU-bound servers (cpu, slow-query, arrivals) in different
#: waves, the light ones beside one of them. The slow query's latencies are the noisiest:
#: beside another busy server, a slow machine left its story inconclusive.
WAVES = (("cpu", "healthy", "pool", "stall"), ("slow-query",), ("arrivals",))


def run_story(run: Run, workdir: Path) -> dict:
    """Run the load against a fresh shop; return the run's ``--summary-json`` document."""
    workdir.mkdir()
    (workdir / "locustfile.py").write_text(textwrap.dedent(run.locustfile))
    summary = workdir / "summary.json"
    with start_server_process(run.profile, config=run.config) as server:
        result = run_horde(
            *("--headless", "-H", server.url, *run.load),
            *("--summary-json", str(summary), "--only-summary"),
            cwd=workdir,
            timeout=100,
        )
    assert result.code in (0, 1), result.stderr
    document = json.loads(summary.read_text())
    assert document["analysis"]["story"] in result.stderr
    return document


class Stories:
    """The runs' summaries, each wave started when one of its runs is first asked for."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._executor = ThreadPoolExecutor(max_workers=max(map(len, WAVES)))
        self._started: dict[str, Future[dict]] = {}

    def summary(self, name: str) -> dict:
        """The ``--summary-json`` document of run ``name`` (waiting for its wave)."""
        if name not in self._started:
            for earlier in self._started.values():  # a wave has the machine to itself
                earlier.exception()
            wave = next(wave for wave in WAVES if name in wave)
            for member in wave:
                self._started[member] = self._executor.submit(
                    run_story, RUNS[member], self._workdir / member
                )
        return self._started[name].result()

    def analysis(self, name: str) -> dict:
        """The ``"analysis"`` of run ``name``."""
        return self.summary(name)["analysis"]

    def close(self) -> None:
        self._executor.shutdown(wait=True)


@pytest.fixture(scope="module")
def stories(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stories]:
    runs = Stories(tmp_path_factory.mktemp("stories"))
    yield runs
    runs.close()


def assert_saturates_near(analysis: dict, knee: float) -> None:
    saturation = analysis["saturation"]
    assert saturation is not None, analysis["story"]
    assert abs(saturation["users"] - knee) <= STEP_USERS, (knee, analysis["story"])


def test_healthy_stays_healthy(stories):
    analysis = stories.analysis("healthy")
    assert analysis["pattern"] == "healthy", analysis["story"]
    assert analysis["saturation"] is None
    assert analysis["graceful"] is True
    assert "not reached" in analysis["story"]


def test_cpu_degrades_linearly_past_its_capacity(stories):
    analysis = stories.analysis("cpu")
    assert analysis["pattern"] == "linear", analysis["story"]
    assert_saturates_near(analysis, knee_users(1 / CPU_COST_S, CPU_COST_S))
    assert analysis["graceful"] is True
    assert "CPU" in analysis["fix"]


def test_pool_falls_off_a_cliff_when_it_runs_out(stories):
    analysis = stories.analysis("pool")
    assert analysis["pattern"] == "cliff", analysis["story"]
    assert_saturates_near(analysis, knee_users(1 / POOL_HOLD_S, POOL_HOLD_S))
    assert analysis["evidence"]["saturated_failure_ratio"] > 0.01
    assert "pool" in analysis["fix"]


def test_stall_is_a_sawtooth_with_its_period(stories):
    analysis = stories.analysis("stall")
    assert analysis["pattern"] == "sawtooth", analysis["story"]
    assert analysis["period_s"] == pytest.approx(STALL.stall_period_s, rel=0.2)
    assert "every 3." in analysis["story"]


def test_slow_query_names_the_feed_as_the_bottleneck(stories):
    analysis = stories.analysis("slow-query")
    assert analysis["pattern"] == "flat_then_spike", analysis["story"]
    assert analysis["bottleneck_endpoint"] == "GET /api/mobile/feed?since=[date]"
    assert analysis["story"].startswith("GET /api/mobile/feed?since=[date] is the bottleneck")


def test_a_stepped_arrival_rate_finds_the_cpu_capacity_in_iterations_per_second(stories):
    document = stories.summary("arrivals")
    assert [step["users"] for step in document["steps"]] == [20, 40, 60, 80, 100]
    analysis = document["analysis"]
    assert analysis["load_unit"] == "iterations/s"
    assert [step["users"] for step in analysis["evidence"]["steps"]] == [20, 40, 60, 80, 100]
    # One request per iteration: the server's capacity, 1 / cost, is the knee.
    saturation = analysis["saturation"]
    assert saturation is not None, analysis["story"]
    assert abs(saturation["users"] - 1 / CPU_COST_S) <= 20, analysis["story"]
    assert "iterations/s" in analysis["story"]
