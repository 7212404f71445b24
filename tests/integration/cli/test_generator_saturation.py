"""A generator whose own CPU is full says so: in the log, the summary and after the story."""

from __future__ import annotations

import itertools
import json

import pytest

BURNER = """
import time

from locust import User, constant, events, task

usage = []


@events.usage_monitor.add_listener
def record(environment, cpu_usage, memory_usage, **kwargs):
    usage.append((cpu_usage, memory_usage))


@events.quitting.add_listener
def report(environment, **kwargs):
    print(f"usage_monitor fired {len(usage)} times")


class Burner(User):
    wait_time = constant(0)

    @task
    def burn(self):
        end = time.perf_counter() + 0.05
        while time.perf_counter() < end:
            pass
"""


# The same burner with an async def task: telling it to use async def tasks would be no help.
ASYNC_BURNER = BURNER.replace("    def burn(self):", "    async def burn(self):")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("source", "advice"),
    [
        (BURNER, "use async def tasks, fewer users per process, or more processes."),
        (ASYNC_BURNER, "own queueing: use fewer users per process, or more processes."),
    ],
    ids=["sync", "async"],
)
def test_a_saturated_generator_warns_and_the_summary_says_so(
    horde, locustfile, tmp_path, source, advice
):
    locustfile(source)
    result = horde(
        "--headless",
        "-u",
        "2",
        "-r",
        "10",
        "-t",
        "6s",
        "--only-summary",
        "--summary-json",
        "summary.json",
    )
    assert result.code == 0, result.stderr
    assert "CPU usage above 90%!" in result.stderr
    assert "Caution: the generator itself was saturated" in result.stderr
    generator = json.loads((tmp_path / "summary.json").read_text())["generator"]
    assert generator["saturated"] is True
    assert advice in generator["caution"]
    warning = next(line for line in result.stderr.splitlines() if "CPU usage above" in line)
    assert warning.endswith(advice.removeprefix("own queueing: "))
    assert generator["cpu_seconds_over_threshold"] >= 3
    assert generator["cpu_peak_percent"] >= 90
    assert generator["memory_peak_bytes"] > 2**20
    # Each 50 ms of burning holds the loop: the lag monitor sees it too.
    assert generator["loop_lag_max_ms"] >= 30
    assert "usage_monitor fired 0 times" in result.stdout  # every 10 s, as Locust


@pytest.mark.slow
def test_an_idle_generator_stays_quiet(horde, locustfile, demo_shop, tmp_path):
    locustfile(
        """
        from locust import HttpUser, constant, task

        class Reader(HttpUser):
            wait_time = constant(0.2)

            @task
            def health(self):
                self.client.get("/health")
        """
    )
    result = horde(
        "--headless",
        "-u",
        "2",
        "-r",
        "10",
        "-t",
        "3s",
        "-H",
        demo_shop,
        "--only-summary",
        "--summary-json",
        "summary.json",
    )
    assert result.code == 0, result.stderr
    assert "CPU usage above" not in result.stderr
    assert "Caution" not in result.stderr
    generator = json.loads((tmp_path / "summary.json").read_text())["generator"]
    assert generator["saturated"] is False
    assert generator["cpu_samples"] >= 2
    # Start-up (imports, the locustfile) is not load: no sample measures it.
    assert generator["cpu_seconds_over_threshold"] == 0
    assert generator["cpu_peak_percent"] < 90


BLOCKER = """
import select

from locust import User, constant, task


class Blocker(User):
    wait_time = constant(0.3)

    @task
    def block(self):
        select.select([], [], [], 1.2)  # holds the whole loop, using no CPU
"""


@pytest.mark.slow
def test_a_blocked_loop_neither_doubles_rows_nor_reads_as_busy(horde, locustfile, tmp_path):
    locustfile(BLOCKER)
    result = horde(
        *("--headless", "-u", "1", "-r", "1", "-t", "5s", "--only-summary"),
        *("--csv", "run", "--summary-json", "summary.json"),
    )
    assert result.code == 0, result.stderr
    assert "The event loop was blocked" in result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    # Each job runs once when the loop is back, not once more at once to catch up.
    stamps = [sample["timestamp"] for sample in summary["series"]["aggregate"]]
    assert len(stamps) >= 3
    assert min(later - earlier for earlier, later in itertools.pairwise(stamps)) >= 0.5
    generator = summary["generator"]
    assert generator["loop_stalls"] >= 2
    # A sample taken a moment after the previous one would read a blocked, idle process
    # as a busy one.
    assert generator["cpu_peak_percent"] < 90
    # Idle CPU, yet the numbers are suspect: the blocked time says so.
    assert generator["loop_blocked_s"] >= 2
    assert generator["caution"].startswith("Caution: the generator's event loop was blocked")
    assert "Caution: the generator's event loop was blocked" in result.stderr


SHORT_HOLDS = """
import asyncio
import time

from locust import User, constant, task


class Querier(User):
    wait_time = constant(0)

    @task
    async def query(self):
        time.sleep(0.03)  # a short blocking call, as a sync driver's query
        await asyncio.sleep(0)
"""


def run_short_holds(horde, locustfile, tmp_path, users, seconds):
    """Run SHORT_HOLDS; the result, and the summary's ``generator`` object."""
    locustfile(SHORT_HOLDS)
    result = horde(
        *("--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s"),
        *("--only-summary", "--summary-json", "summary.json"),
    )
    assert result.code == 0, result.stderr
    return result, json.loads((tmp_path / "summary.json").read_text())["generator"]


@pytest.mark.slow
def test_short_blocking_calls_back_to_back_get_a_caution_naming_them(horde, locustfile, tmp_path):
    result, generator = run_short_holds(horde, locustfile, tmp_path, users=3, seconds=5)
    # Each hold is far below a stall, and the CPU sleeps through them: only the time
    # the loop was found held by the task shows that every user waited.
    assert generator["saturated"] is False
    assert generator["loop_held_s"] >= 3
    assert generator["loop_held_by"].startswith("user class Querier at ")
    assert generator["loop_held_by"].endswith(" in query")
    caution = generator["caution"]
    assert caution.startswith("Caution: user code held the generator's event loop for ")
    assert f"of the time ({generator['loop_held_s']:.1f} s), most often " in caution
    assert "await asyncio.to_thread(fn, ...)" in caution
    assert caution in result.stderr


@pytest.mark.slow
def test_a_lone_user_holding_the_loop_delays_nobody(horde, locustfile, tmp_path):
    result, generator = run_short_holds(horde, locustfile, tmp_path, users=1, seconds=3)
    assert generator["loop_held_s"] == 0
    assert generator["caution"] is None
    assert "User code held" not in result.stderr
