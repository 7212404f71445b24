"""Ctrl-C and SIGTERM end a run cleanly: summary printed, files written."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest
from tests.command import process_alive

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("signum", "message"),
    [
        (signal.SIGINT, "Exiting due to CTRL+C interruption"),
        (signal.SIGTERM, "Received SIGTERM, shutting down"),
    ],
)
def test_signal_ends_the_run_with_a_summary(
    tmp_path, start_horde, locustfile, demo_shop, signum, message
):
    locustfile(
        """
        from locust import HttpUser, constant, task
        class Reader(HttpUser):
            wait_time = constant(0.1)
            @task
            def health(self):
                self.client.get('/health')
        """
    )
    process = start_horde(
        *("--headless", "-u", "3", "-r", "3", "-H", demo_shop, "--csv", "out"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
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


IDLE = """
from locust import User, constant, task
class Idle(User):
    wait_time = constant(0.1)
    @task
    def nothing(self):
        pass
"""


def _wait_for_children(process: subprocess.Popen[str], count: int) -> list[int]:
    """The pids of ``process``'s children, once there are ``count`` (20 s at most)."""
    children: list[int] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(children) < count:
        time.sleep(0.2)
        children = _children(process.pid)
    assert len(children) == count
    return children


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    with open(path) as handle:
        return [int(child) for child in handle.read().split()]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal")
@pytest.mark.parametrize("mode", [["--headless", "-t", "30s"], ["--worker"]])
def test_workers_forked_by_processes_end_when_their_parent_is_killed(start_horde, locustfile, mode):
    locustfile(IDLE)
    process = start_horde(
        *("--processes", "2", "-u", "2", *mode),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = _wait_for_children(process, 2)
    try:
        time.sleep(1.0)  # running (or, with --worker, trying to reach a master)
        process.kill()  # no chance to stop its workers itself
        process.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(process_alive(pid) for pid in workers):
            time.sleep(0.2)
        assert not any(process_alive(pid) for pid in workers)
    finally:
        for pid in workers:
            if process_alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc for the children")
@pytest.mark.parametrize(
    "disposition",
    [signal.SIG_DFL, signal.SIG_IGN],
    ids=["interactive", "started-in-the-background"],  # a script's `&` ignores SIGINT
)
def test_an_interrupt_to_the_parent_alone_stops_workers_forked_with_worker(
    start_horde, locustfile, disposition
):
    """``kill -INT`` reaches only the parent, unlike a Ctrl-C in a terminal (the group)."""
    locustfile(IDLE)
    process = start_horde(
        *("--processes", "2", "--worker", "--master-port", "9"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, disposition),
    )
    workers = _wait_for_children(process, 2)
    time.sleep(1.0)  # trying to reach a master
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=15)
    assert not any(process_alive(pid) for pid in workers), stderr
    # Waiting for a master, they had no handler yet: SIGTERM ended them, as the shell says.
    assert process.returncode == 128 + signal.SIGTERM, stderr


HOLDS_THE_LOOP = """
import socket
from locust import User, constant, task

HOLD = socket.socketpair()

class Stuck(User):
    wait_time = constant(0.1)
    @task
    def block(self):
        HOLD[0].recv(1)  # never answered, no timeout: holds the event loop
"""


RETRIES_WHATEVER_HAPPENS = HOLDS_THE_LOOP.replace(
    "        HOLD[0].recv(1)  # never answered, no timeout: holds the event loop",
    "        while True:\n"
    "            try:\n"
    "                HOLD[0].recv(1)\n"
    "            except Exception:\n"
    "                print('retrying')",
)


@pytest.mark.parametrize(
    "code", [HOLDS_THE_LOOP, RETRIES_WHATEVER_HAPPENS], ids=["plain", "catching-exception"]
)
def test_a_call_holding_the_loop_is_interrupted_when_the_run_time_ends(
    horde, locustfile, tmp_path, code
):
    locustfile(code)
    started = time.monotonic()
    result = horde("--headless", "-u", "1", "-t", "1s", "--csv", "out", timeout=30)
    assert time.monotonic() - started < 20
    assert result.code == 1, result.stderr  # the interrupted call is the user's error
    assert "BlockingCallInterrupted: the run time ended while this call had held" in result.stderr
    assert re.search(r'locustfile\.py", line \d+, in block', result.stderr)  # names the call
    assert "retrying" not in result.stdout  # not an Exception: the user stops
    assert "--run-time limit reached" in result.stderr
    assert (tmp_path / "out_stats.csv").exists()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_call_holding_the_loop_is_interrupted_by_a_stop_signal(
    start_horde, locustfile, tmp_path, signum
):
    locustfile(HOLDS_THE_LOOP)
    process = start_horde(
        *("--headless", "-u", "1", "--csv", "out"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Held once the blocking-loop warning is out; past the breaker's patience (1 s) after.
    time.sleep(3)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 1, stderr
    assert f"BlockingCallInterrupted: {signum.name} came while this call had held" in stderr
    assert "Uncaught exception in event handler" not in stderr
    assert (tmp_path / "out_stats.csv").exists()


def test_a_third_stop_signal_ends_a_process_whose_call_will_not_let_go(start_horde, locustfile):
    locustfile(
        HOLDS_THE_LOOP.replace(
            "        HOLD[0].recv(1)  # never answered, no timeout: holds the event loop",
            "        while True:\n"
            "            try:\n"
            "                HOLD[0].recv(1)\n"
            "            except BaseException:\n"
            "                pass  # takes no notice of anything",
        )
    )
    process = start_horde("--headless", "-u", "1", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(3)  # held past the breaker's patience
    for _ in range(3):
        process.send_signal(signal.SIGINT)
        time.sleep(0.3)
    process.communicate(timeout=20)
    assert process.returncode == -signal.SIGINT


def test_a_third_ctrl_c_aborts_and_says_what_is_lost(start_horde, locustfile):
    """The first Ctrl-C stops, the second hurries, the third aborts: without the
    reports, as the second one warned."""
    locustfile(
        """
        import time
        from locust import User, constant, events, task

        @events.test_stop.add_listener
        def slow_to_stop(**kwargs):
            time.sleep(30)  # cooperative: the loop still hears the signals

        class Idle(User):
            wait_time = constant(0.1)
            @task
            def nothing(self):
                pass
        """
    )
    process = start_horde(
        *("--headless", "-u", "1", "--html", "report.html"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(2)
    for _ in range(3):
        process.send_signal(signal.SIGINT)
        time.sleep(0.3)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 130, stderr
    assert "press again to abort, without the final tables and reports" in stderr
    assert "horde: interrupted" in stderr
    assert "Response time percentiles" not in stderr  # no final tables, as announced
    assert "Traceback" not in stderr
