"""``--arrival-rate``: the open model against a server that stalls, and its bad inputs."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time

import pytest

from horde.demo import DemoConfig, start_server_process

READER = """
from locust import HttpUser, events, task

seen = []


@events.request.add_listener
def count(name, **kwargs):
    seen.append(name)


@events.quitting.add_listener
def report(environment, **kwargs):
    print(f"listener saw {len(seen)} requests")


class Reader(HttpUser):
    @task
    def product(self):
        self.client.get("/api/products/1")
"""

STALL = DemoConfig(stall_period_s=2.0, stall_duration_s=0.8)


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_a_stalling_target_shows_in_the_corrected_latency_and_no_iteration_is_lost(
    horde, locustfile, tmp_path
):
    locustfile(READER)
    with start_server_process("stall", config=STALL) as server:
        result = horde(
            "--headless",
            "-H",
            server.url,
            "--arrival-rate",
            "100/s",
            "--max-concurrency",
            "4",
            "-t",
            "7s",
            "--only-summary",
            "--summary-json",
            "summary.json",
            "--json",
            *("--check", "p95<400", "--check", "corrected_p99>400", "--check", "not_started<700"),
        )
    assert result.code == 0, result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    model = summary["open_model"]
    # 100/s for 7 s, every one accounted for: started, or still waiting at the end; and
    # the started ones finished, or were cut short by the end.
    assert model["scheduled"] == 700
    assert model["started"] + model["not_started"] == model["scheduled"]
    assert model["finished"] + model["cut_short"] == model["started"]
    assert model["users"] == 4
    assert model["late"] > 50
    latency = model["latency"]["Aggregated"]
    # Four users sat out each 0.8 s stall while the schedule went on: the iterations it
    # held back started late but ran fast, so only the corrected figures show the stall.
    assert latency["measured"]["p95"] < 400
    assert latency["corrected"]["p99"] == pytest.approx(800, rel=0.3)
    assert latency["corrected"]["p95"] > 2 * latency["measured"]["p95"]
    assert latency["corrected"]["count"] == summary["totals"]["requests"]
    # The story reads the corrected latency: the measured one hides the stall.
    assert summary["analysis"]["evidence"]["latency"] == "corrected"
    assert "corrected for coordinated omission" in summary["analysis"]["story"]
    # A constant rate is one plateau of 100 iterations/s, whatever the pool's size did.
    assert [step["users"] for step in summary["analysis"]["evidence"]["steps"]] == [100]
    assert len(summary["steps"]) == 1
    # The series the story read are there, beside the measured ones.
    series = summary["series"]
    # (from the first second with a request: the first may have none)
    assert len(series["aggregate"]) - len(series["corrected_aggregate"]) in (0, 1)

    def p95s(samples):
        return sum(sample["p95"] or 0 for sample in samples)

    assert p95s(series["corrected_aggregate"]) > p95s(series["aggregate"])
    assert set(series["corrected_endpoints"]) == set(series["endpoints"])
    assert "Open model: " in result.stderr
    table = result.stderr.split("corrected for coordinated omission")[1]
    aggregated = next(line for line in table.splitlines() if line.startswith("Aggregated"))
    # --json resets the entries after it is printed: the table was made before, in full.
    assert " - " not in aggregated, aggregated
    assert f"listener saw {summary['totals']['requests']} requests" in result.stdout
    # CI checks can hold the run to the corrected latency, which the measured one hides.
    assert "3 passed, 0 failed" in result.stderr
    assert [check["check"] for check in summary["checks"]][1] == "corrected_p99>400"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--arrival-rate", "fast"], "invalid arrival rate 'fast'"),
        (["--arrival-rate", "10/s..50/s"], "a ramping arrival rate (10/s to 50/s) needs -t"),
        (["--max-concurrency", "5", "-u", "3"], "--max-concurrency goes with --arrival-rate"),
        (["--arrival-rate", "10/s", "--max-concurrency", "0"], "must be 1 or more"),
        (
            ["--arrival-rate", "10/s", "--max-concurrency", "abc"],
            "--max-concurrency: 'abc' is not a whole number of users",
        ),
        (["--arrival-rate", "10/s..50/s", "-t", "0"], "needs -t, the time it ramps over"),
        (
            ["--arrival-rate", "10/s..50/s", "-t", "20s", "--step-time", "0"],
            "--step-time must be more than 0",
        ),
        (
            ["-u", "1", "--check", "corrected_p95<100"],
            "--check 'corrected_p95<100': corrected_p95 is measured in the open model only",
        ),
        (
            ["--arrival-rate", "10/s", "--step-users", "5", "--step-time", "5s"],
            "--step-users adds users",
        ),
    ],
)
def test_bad_open_model_options_are_clear_errors(horde, locustfile, args, message):
    locustfile(READER)
    result = horde("--headless", "-H", "http://127.0.0.1:1", *args)
    assert result.code == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "warning"),
    [
        (["--arrival-rate", "10/s", "--step-time", "1s"], "--step-time is not used"),
        (
            ["--arrival-rate", "10/s..50/s", "--step-time", "5s"],
            "--step-time 5 s is not shorter than the run (-t 2 s)",
        ),
    ],
)
def test_a_step_time_that_cannot_step_is_named(horde, locustfile, args, warning):
    locustfile(READER)
    result = horde("--headless", "-H", "http://127.0.0.1:1", "-t", "2s", "--only-summary", *args)
    assert warning in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_run_time_0_is_no_limit_in_the_open_model_too(start_horde, locustfile, demo_shop, tmp_path):
    locustfile(READER)
    process = start_horde(
        *("--headless", "-H", demo_shop, "--arrival-rate", "20/s", "-t", "0", "--csv", "out"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Running (signal handlers in place) once requests reach the CSV files; then 2 s more.
    stats = tmp_path / "out_stats.csv"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (
        stats.exists() and "/api/products/1" in stats.read_text()
    ):
        time.sleep(0.1)
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=20)
    assert "No run time limit set" in stderr
    found = re.search(r"Open model: (\d+) iterations scheduled", stderr)
    assert found is not None, stderr
    assert int(found.group(1)) > 20, stderr
