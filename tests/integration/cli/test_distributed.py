"""Distributed runs from the command line: ``--processes``, ``--master`` with ``--worker``."""

from __future__ import annotations

import csv
import json
import socket
import subprocess

import pytest
from tests.servers.misbehaving import free_port

SHOPPER = """
from locust import HttpUser, constant, task

class Browser(HttpUser):
    weight = 3
    wait_time = constant(0.05)

    @task
    def products(self):
        self.client.get("/api/products?page=1&limit=10", name="/api/products")

class Looker(HttpUser):
    wait_time = constant(0.05)

    @task
    def product(self):
        self.client.get("/api/products/1")
"""


def _aggregated_requests(path) -> int:
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                return int(row["Request Count"])
    raise AssertionError("no Aggregated row")


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_processes_runs_a_master_and_local_workers_behind_one_command(
    horde, locustfile, demo_shop, tmp_path
):
    locustfile(SHOPPER)
    result = horde(
        "--headless",
        "--processes",
        "2",
        "-u",
        "20",
        "-r",
        "20",
        "-t",
        "5s",
        "-H",
        demo_shop,
        "--csv",
        "out",
        "--summary-json",
        "summary.json",
    )
    assert result.code == 0, result.stderr
    assert "2 workers connected" in result.stderr
    assert 'All users spawned: {"Browser": 15, "Looker": 5} (20 total users)' in result.stderr
    assert "Traceback" not in result.stderr
    # One set of tables and files, from the master, with every worker's requests in it.
    assert result.stderr.count("Response time percentiles (approximated)") == 1
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["users"]["peak"] == 20
    requests = summary["totals"]["requests"]
    assert requests > 200
    assert _aggregated_requests(tmp_path / "out_stats.csv") == requests
    names = {endpoint["name"] for endpoint in summary["endpoints"]}
    assert names == {"/api/products", "/api/products/1"}
    # Samples close between the workers' reports: a steady load gives steady samples,
    # not a second without a report followed by one with two.
    aggregate = summary["series"]["aggregate"]
    steady = [sample["requests"] for sample in aggregate[2:-1]]
    assert len(steady) >= 2
    assert min(steady) > 0.6 * max(steady), steady
    # The workers' final reports come after the last whole second: a last sample holds them,
    # at the rate of the report interval they cover (not of the moment since the tick).
    assert sum(sample["requests"] for sample in aggregate) == requests
    assert aggregate[-1]["rps"] <= 1.5 * max(sample["rps"] for sample in aggregate[2:-1])


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_processes_share_a_stepped_arrival_rate_and_account_for_every_iteration(
    horde, locustfile, demo_shop, tmp_path
):
    locustfile(SHOPPER)
    result = horde(
        "--headless",
        "--processes",
        "2",
        "--arrival-rate",
        "40/s..80/s",
        "--step-time",
        "2s",
        "-t",
        "4s",
        "-H",
        demo_shop,
        "--only-summary",
        "--summary-json",
        "summary.json",
    )
    assert result.code == 0, result.stderr
    assert result.stderr.count("Open model: 20 to 40 iterations/s, at most 500 at once") == 2
    summary = json.loads((tmp_path / "summary.json").read_text())
    model = summary["open_model"]
    # 2 s at 40/s then 2 s at 80/s, the workers' shares interleaved: the whole schedule,
    # none twice (the last ones, due just before the end, may meet the stop first).
    assert 236 <= model["scheduled"] <= 240
    assert model["started"] + model["not_started"] == model["scheduled"]
    # One request per iteration; the few in flight at the stop are cut off, not recorded.
    assert model["started"] - model["peak_concurrency"] <= summary["totals"]["requests"]
    assert summary["totals"]["requests"] <= model["started"]
    corrected = model["latency"]["Aggregated"]["corrected"]
    assert corrected["count"] == summary["totals"]["requests"]
    assert [step["users"] for step in summary["steps"]] == [40, 80]


@pytest.mark.slow
@pytest.mark.timeout(60)
@pytest.mark.parametrize("workers", [1, 2])
def test_workers_started_on_their_own_serve_a_master_and_write_nothing(
    horde, start_horde, locustfile, demo_shop, tmp_path, workers
):
    """One ``--worker``, or two behind one command (``--worker --processes 2``). A task
    that raises fails the master's exit code, not the workers' (as in Locust)."""
    locustfile(SHOPPER.replace('name="/api/products")', 'name="/api/products")\n        1 / 0'))
    port = free_port()
    worker_dir = tmp_path / "worker"
    worker_dir.mkdir()
    worker = start_horde(
        *("-f", str(tmp_path / "locustfile.py"), "--worker", "--master-port", str(port)),
        *("--csv", "worker_out", *(["--processes", str(workers)] if workers > 1 else [])),
        cwd=worker_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    result = horde(
        *("--headless", "--master", "--master-bind-host", "127.0.0.1"),
        *("--master-bind-port", str(port), "--expect-workers", str(workers)),
        *("-u", "4", "-r", "4", "-t", "3s", "-H", demo_shop, "--csv", "out"),
    )
    _, worker_log = worker.communicate(timeout=20)
    assert result.code == 1, result.stderr
    assert "division by zero" in (tmp_path / "out_exceptions.csv").read_text()
    assert f"{workers} workers connected" in result.stderr
    spawn = f"Sending spawn jobs of 4 users at 4.00 spawn rate to {workers} ready workers"
    assert spawn in result.stderr
    assert _aggregated_requests(tmp_path / "out_stats.csv") > 50
    assert worker.returncode == 0, worker_log
    assert worker_log.count("Got quit message from master") == workers
    assert "Response time percentiles" not in worker_log
    assert list(worker_dir.iterdir()) == []


ROLES = """
import logging

from locust import User, constant, events, task
from locust.runners import DistributedRunner, LocalRunner, MasterRunner, WorkerRunner


@events.init.add_listener
def role(environment, **kwargs):
    runner = environment.runner
    kinds = (LocalRunner, DistributedRunner, MasterRunner, WorkerRunner)
    found = [kind.__name__ for kind in kinds if isinstance(runner, kind)]
    logging.info("role: %s", "+".join(found))


class Idle(User):
    wait_time = constant(0.1)

    @task
    def nothing(self):
        pass
"""


def test_a_locustfile_tells_the_master_from_the_workers_as_in_locust(horde, locustfile):
    locustfile(ROLES)
    result = horde("--headless", "--processes", "2", "-u", "2", "-t", "1s")
    assert result.code == 0, result.stderr
    roles = sorted(
        line.split("role: ")[1] for line in result.stderr.splitlines() if "role: " in line
    )
    assert roles == [
        "DistributedRunner+MasterRunner",
        "DistributedRunner+WorkerRunner",
        "DistributedRunner+WorkerRunner",
    ]
    assert "role: LocalRunner" in horde("--headless", "-u", "1", "-t", "1s").stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--master", "--worker"], 255, "--master and --worker cannot be combined"),
        (["--processes", "-2"], 1, "--processes -2: give a number of worker processes"),
        (["--processes", "many"], 2, "invalid value 'many': give a number of processes, or auto"),
        (["--processes", "2", "--master"], 1, "--processes starts its own master"),
        (["--processes", "100000"], 1, "--processes 100000: at most"),
    ],
)
def test_distributed_options_that_cannot_work_are_refused(horde, locustfile, args, code, message):
    locustfile(SHOPPER)
    result = horde("--headless", "-H", "http://127.0.0.1:9", *args)
    assert result.code == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("given", ["flag", "environment"])
def test_processes_0_runs_one_process_as_in_locust(horde, locustfile, demo_shop, tmp_path, given):
    locustfile(SHOPPER)
    flag, env = (["--processes", "0"], None) if given == "flag" else ([], {"LOCUST_PROCESSES": "0"})
    result = horde(
        *("--headless", "-u", "2", "-r", "2", "-t", "2s", "-H", demo_shop, "--csv", "out", *flag),
        env=env,
    )
    assert result.code == 0, result.stderr
    assert "workers connected" not in result.stderr
    assert _aggregated_requests(tmp_path / "out_stats.csv") > 0


@pytest.mark.slow
def test_a_master_gives_up_waiting_for_workers_when_told_to(horde, locustfile):
    locustfile(SHOPPER)
    result = horde(
        "--headless",
        "--master",
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        str(free_port()),
        "--expect-workers",
        "2",
        "--expect-workers-max-wait",
        "1",
        "-H",
        "http://127.0.0.1:9",
    )
    assert result.code == 1, result.stderr
    assert "Gave up waiting for workers to connect: 0 of 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_busy_master_port_is_named(horde, locustfile):
    locustfile(SHOPPER)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = horde(
            "--headless",
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(port),
            "-H",
            "http://127.0.0.1:9",
        )
    assert result.code == 1, result.stderr
    assert f"The master port ({port}) on 127.0.0.1 is busy" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--html", "/proc/no/r.html", "--html /proc/no/r.html: cannot create /proc/no"),
        ("--csv", "locustfile.py/run", "--csv locustfile.py/run: cannot create locustfile.py"),
    ],
)
def test_a_bad_output_path_stops_processes_before_any_worker_starts(
    horde, locustfile, option, value, message
):
    locustfile(SHOPPER)
    result = horde("--headless", "--processes", "2", "-H", "http://127.0.0.1:9", option, value)
    assert result.code == 1, result.stderr
    assert message in result.stderr
    assert "master did not start" not in result.stderr
    assert "Worker process" not in result.stderr
    assert "Traceback" not in result.stderr


BLOCKER = """
import select

from locust import User, constant, task


class Blocker(User):
    wait_time = constant(0.3)

    @task
    def block(self):
        select.select([], [], [], 0.5)  # holds the worker's whole loop
"""


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_a_worker_blocking_its_loop_is_named_and_counted(horde, locustfile, tmp_path):
    locustfile(BLOCKER)
    result = horde(
        # Two users: a lone user's hold delays nobody, and is not counted as held.
        *("--headless", "--processes", "1", "-u", "2", "-r", "2", "-t", "4s"),
        *("--only-summary", "--summary-json", "summary.json"),
    )
    assert result.code == 0, result.stderr
    # The worker's monitor names the code, in the one console of --processes.
    assert "The event loop was blocked" in result.stderr
    assert "in block" in result.stderr
    generator = json.loads((tmp_path / "summary.json").read_text())["generator"]
    assert generator["loop_stalls"] >= 2
    assert generator["loop_lag_max_ms"] >= 400
    (worker,) = generator["workers"]
    # The stalls are all of them: the worker's, and any of the master's (a slow machine
    # can stall it once while it starts the worker).
    assert 2 <= worker["loop_stalls"] <= generator["loop_stalls"]
    assert worker["loop_blocked_s"] >= 1
    # Its heartbeats carry what its watchdog found holding the loop.
    assert "user class Blocker at" in worker["loop_held_by"]
    assert worker["loop_held_by"].endswith("in block")
    assert generator["loop_held_by"] == worker["loop_held_by"]
    assert generator["caution"].startswith("Caution: the worker's event loop was blocked for")
    # Blocked 0.5 s of every 0.8 s: held by the task, most of the time.
    assert worker["loop_held_s"] >= 1
    assert "user code held the worker's event loop for " in generator["caution"]
    assert f"most often {worker['loop_held_by']}: its users waited" in generator["caution"]
