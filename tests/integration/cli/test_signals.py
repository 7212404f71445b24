"""Ctrl-C and SIGTERM end a run cleanly: summary printed, files written."""

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("signum", "message"),
    [
        (signal.SIGINT, "Exiting due to CTRL+C interruption"),
        (signal.SIGTERM, "Received SIGTERM, shutting down"),
    ],
)
def test_signal_ends_the_run_with_a_summary(tmp_path, demo_shop, signum, message):
    (tmp_path / "locustfile.py").write_text(
        "from locust import HttpUser, constant, task\n"
        "class Reader(HttpUser):\n"
        "    wait_time = constant(0.1)\n"
        "    @task\n"
        "    def health(self):\n"
        "        self.client.get('/health')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "HORDE_"))}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "horde",
            "--headless",
            "-u",
            "3",
            "-r",
            "3",
            "-H",
            demo_shop,
            "--csv",
            "out",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Signal handlers are in place once requests are recorded in the CSV files.
    stats = tmp_path / "out_stats.csv"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if stats.exists() and "GET,/health," in stats.read_text():
            break
        time.sleep(0.1)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert "No run time limit set, use CTRL+C to interrupt" in stderr
    assert message in stderr
    assert "Response time percentiles (approximated)" in stderr
    assert "GET,/health," in (tmp_path / "out_stats.csv").read_text()
