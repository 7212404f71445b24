"""``--check`` thresholds through the real command: exit codes, the table, --check-abort."""

import time

import pytest

pytestmark = pytest.mark.slow

READER = """
from locust import HttpUser, constant, task

class Reader(HttpUser):
    wait_time = constant(0.05)

    @task
    def health(self):
        self.client.get("/health")

    @task
    def missing(self):
        self.client.get("/api/products/0", name="/missing")
"""


def test_passing_and_failing_checks(horde, locustfile, demo_shop):
    locustfile(READER)
    common = ("--headless", "-u", "2", "-r", "2", "-t", "2s", "-H", demo_shop)
    result = horde(
        *common,
        "--check",
        "p95[GET /health]<1000",
        "--check",
        "requests>5",
        "--exit-code-on-error",
        "0",
    )
    assert result.code == 0, result.stderr
    assert "2 passed, 0 failed" in result.stderr
    result = horde(*common, "--check", "fail_ratio<0.01", "--check", "p95<1000")
    assert result.code == 3, result.stderr  # the failed check wins over the failures' code 1
    assert "1 passed, 1 failed" in result.stderr
    assert "Shutting down (exit code 3)" in result.stderr


def test_checks_from_a_config_file(horde, locustfile, demo_shop, tmp_path):
    locustfile(READER)
    (tmp_path / "horde.conf").write_text("check = [fail_ratio<0.01, p95<1000]\n")
    result = horde("--headless", "-u", "1", "-t", "2s", "-H", demo_shop)
    assert result.code == 3, result.stderr
    assert "fail_ratio<0.01" in result.stderr


def test_malformed_check_fails_before_the_run(horde, locustfile):
    locustfile(READER)
    result = horde(
        "--headless", "-u", "1", "-t", "30s", "-H", "http://127.0.0.1:1", "--check", "latency<5"
    )
    assert result.code == 2
    assert "--check 'latency<5': unknown metric 'latency'" in result.stderr
    assert "Starting horde" not in result.stderr  # nothing ran


def test_check_abort_stops_the_run_early(horde, locustfile, demo_shop):
    locustfile(READER)
    started = time.monotonic()
    result = horde(
        "--headless",
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        "60s",
        "-H",
        demo_shop,
        "--check",
        "fail_ratio<0.01",
        "--check-abort",
    )
    assert time.monotonic() - started < 30
    assert result.code == 3, result.stderr
    assert "Check fail_ratio<0.01 failed" in result.stderr
    assert "stopping the run (--check-abort)" in result.stderr


LATE_ENDPOINT = """
import time

from locust import HttpUser, constant, task

START = time.monotonic()


class Reader(HttpUser):
    wait_time = constant(0.2)

    @task
    def health(self):
        name = "/late" if time.monotonic() - START > 2 else "/early"
        self.client.get("/health", name=name)
"""


def test_check_abort_waits_for_an_endpoint_not_requested_yet(horde, locustfile, demo_shop):
    locustfile(LATE_ENDPOINT)
    result = horde(
        *("--headless", "-u", "1", "-r", "1", "-t", "4s", "-H", demo_shop),
        *("--check", "p95[/late]<5000", "--check-abort"),
    )
    # No data in the first seconds is no failure yet: /late comes, and passes.
    assert "stopping the run (--check-abort)" not in result.stderr
    assert result.code == 0, result.stderr
    assert "1 passed, 0 failed" in result.stderr
