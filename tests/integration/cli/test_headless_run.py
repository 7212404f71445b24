"""The real ``horde`` command, headless, against the demo shop: flags, logs and CSV files."""

import csv
import json

import pytest

from horde.demo import LOCUSTFILE

pytestmark = pytest.mark.slow

LOCUST_STYLE = """
from locust import HttpUser, between, task, tag

class Shopper(HttpUser):
    wait_time = between(0.05, 0.1)

    def on_start(self):
        token = self.client.post(
            "/api/auth/login", json={"email": "user1@example.com", "password": "secret"}
        ).json()["token"]
        self.client.headers.update({"Authorization": f"Bearer {token}"})

    @task(3)
    def browse(self):
        self.client.get("/api/products?page=1&limit=10", name="/api/products")

    @task
    def detail(self):
        with self.client.get("/api/products/5000", catch_response=True) as response:
            if response.status_code == 404:
                response.failure("no such product")
"""


def read_aggregated(path):
    """What a script written for Locust's _stats.csv reads."""
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                return {
                    "p95": float(row["95%"]),
                    "avg": float(row["Average Response Time"]),
                    "failures": int(row["Failure Count"]),
                    "requests": int(row["Request Count"]),
                }
    raise AssertionError("no Aggregated row")


def test_locust_locustfile_runs_and_writes_locust_csv_files(horde, locustfile, demo_shop, tmp_path):
    locustfile(LOCUST_STYLE)
    result = horde(
        "--headless",
        "-u",
        "20",
        "-r",
        "20",
        "-t",
        "3s",
        "-H",
        demo_shop,
        "--csv",
        "results/loadtest",
    )
    assert result.code == 1, result.stderr  # the 404s are failures
    assert "Run time limit set to 3 seconds" in result.stderr
    assert "--run-time limit reached, shutting down" in result.stderr
    assert "Shutting down (exit code 1)" in result.stderr
    assert "Response time percentiles (approximated)" in result.stderr
    assert "GET /api/products/5000: no such product" in result.stderr
    assert "Traceback" not in result.stderr
    files = {p.name for p in (tmp_path / "results").iterdir()}
    assert files == {
        f"loadtest{s}.csv" for s in ("_stats", "_stats_history", "_failures", "_exceptions")
    }
    raw = (tmp_path / "results" / "loadtest_stats.csv").read_bytes()
    assert raw.startswith(b"Type,Name,Request Count,Failure Count,Median Response Time,")
    assert b"\r\n" in raw
    aggregated = read_aggregated(tmp_path / "results" / "loadtest_stats.csv")
    assert aggregated["requests"] > 100
    assert 0 < aggregated["failures"] < aggregated["requests"]
    assert aggregated["avg"] > 0
    assert aggregated["p95"] >= aggregated["avg"] / 10
    failures = (tmp_path / "results" / "loadtest_failures.csv").read_text()
    assert "GET,/api/products/5000,CatchResponseError('no such product')," in failures


def test_user_weights_3_1_6_start_exactly_300_100_600(horde, locustfile):
    locustfile(
        """
        from locust import User, constant, task

        class Browser(User):
            weight = 3
            wait_time = constant(60)
            @task
            def t(self): pass

        class Api(User):
            weight = 1
            wait_time = constant(60)
            @task
            def t(self): pass

        class Mobile(User):
            weight = 6
            wait_time = constant(60)
            @task
            def t(self): pass
        """
    )
    result = horde("--headless", "-u", "1000", "-r", "1000", "-t", "2s", "--only-summary")
    assert result.code == 0, result.stderr
    assert (
        'All users spawned: {"Api": 100, "Browser": 300, "Mobile": 600} (1000 total users)'
        in result.stderr
    )


def test_tags_send_only_the_tagged_tasks_requests(horde, demo_shop, tmp_path):
    result = horde(
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        "30",
        "-r",
        "30",
        "-t",
        "4s",
        "-H",
        demo_shop,
        "--tags",
        "browse",
        "--csv",
        "tagged",
    )
    assert result.code == 0, result.stderr
    with open(tmp_path / "tagged_stats.csv", newline="") as handle:
        names = {row["Name"] for row in csv.DictReader(handle)} - {"Aggregated"}
    assert names, result.stderr
    # Browsing is product lists and details; logging in happens in on_start.
    assert all(n.startswith("/api/products") or n == "/api/auth/login" for n in names), names


def test_event_listeners_see_locust_values(horde, locustfile, demo_shop, tmp_path):
    locustfile(
        """
        import json
        from locust import HttpUser, constant, events, task

        seen = {"requests": [], "start": [], "stop": []}

        @events.test_start.add_listener
        def on_start(environment, **kwargs):
            seen["start"].append(environment.host)

        @events.request.add_listener
        def on_request(request_type, name, response_time, response_length, response,
                       context, exception, start_time, url, **kwargs):
            seen["requests"].append({
                "request_type": request_type, "name": name,
                "response_time": type(response_time).__name__,
                "response_length": response_length, "status": response.status_code,
                "context": context, "exception": repr(exception), "start_time": start_time,
                "url": url,
            })

        @events.test_stop.add_listener
        def on_stop(environment, **kwargs):
            seen["stop"].append(environment.runner.stats.total.num_requests)
            with open("seen.json", "w") as handle:
                json.dump(seen, handle)

        class Reader(HttpUser):
            wait_time = constant(0.2)

            def context(self):
                return {"user": "reader"}

            @task
            def health(self):
                self.client.get("/health", context={"extra": 1})
        """
    )
    result = horde("--headless", "-u", "2", "-r", "2", "-t", "2s", "-H", demo_shop)
    assert result.code == 0, result.stderr
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen["start"] == [demo_shop]
    assert seen["stop"][0] == len(seen["requests"]) > 0
    first = seen["requests"][0]
    assert first["request_type"] == "GET"
    assert first["name"] == "/health"
    assert first["response_time"] == "float"
    assert first["response_length"] > 0
    assert first["status"] == 200
    assert first["context"] == {"user": "reader", "extra": 1}
    assert first["exception"] == "None"
    assert first["url"] == demo_shop + "/health"
    assert first["start_time"] > 1.7e9


def test_refused_connections_are_failures_and_the_run_goes_on(horde, locustfile, tmp_path):
    locustfile(
        """
        from locust import HttpUser, constant, task

        class Lost(HttpUser):
            wait_time = constant(0.1)
            @task
            def t(self):
                self.client.get("/x")
        """
    )
    result = horde(
        "--headless", "-u", "2", "-r", "2", "-t", "2s", "-H", "http://127.0.0.1:1", "--csv", "out"
    )
    assert result.code == 1
    assert "GET /x: ConnectionRefusedError(111, 'Connection refused')" in result.stderr
    failures = (tmp_path / "out_failures.csv").read_text()
    assert "\"ConnectionRefusedError(111, 'Connection refused')\"" in failures


def test_list_and_task_ratio(horde):
    result = horde("-f", str(LOCUSTFILE), "--list")
    assert result.code == 0
    assert result.stdout.startswith("Available Users:\n    ")
    result = horde("-f", str(LOCUSTFILE), "--show-task-ratio-json")
    assert result.code == 0
    assert set(json.loads(result.stdout)) == {"per_class", "total"}


def test_logfile_takes_the_log_and_tables_stay_on_stderr(horde, locustfile, demo_shop, tmp_path):
    locustfile(
        """
        from locust import HttpUser, constant, task

        class Reader(HttpUser):
            wait_time = constant(0.1)
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
        "2",
        "-t",
        "2s",
        "-H",
        demo_shop,
        "--logfile",
        "logs/run.log",
        "--reset-stats",
        "-L",
        "debug",
    )
    assert result.code == 0, result.stderr
    log = (tmp_path / "logs" / "run.log").read_text()
    assert "INFO/horde.main: Starting horde" in log
    assert "Resetting stats" in log
    assert "Starting horde" not in result.stderr
    assert "Response time percentiles (approximated)" in result.stderr


def test_an_error_after_the_log_is_set_up_is_in_the_logfile_too(horde, locustfile, tmp_path):
    """As in Locust, whose log file says ``Unknown User(s): Nope``."""
    locustfile(SHOWS_ITS_LOAD)
    result = horde("--headless", "-t", "1s", "--logfile", "run.log", "Nope")
    assert result.code != 0
    assert "horde: error: Unknown User(s): Nope" in result.stderr
    assert "ERROR/horde.main: Unknown User(s): Nope" in (tmp_path / "run.log").read_text()


def test_every_output_asked_for_holds_the_same_counts(horde, locustfile, demo_shop, tmp_path):
    locustfile(LOCUST_STYLE)
    result = horde(
        *("--headless", "-u", "10", "-r", "10", "-t", "3s", "-H", demo_shop),
        *("--csv", "out/run", "--json", "--json-file", "out/run"),
        *("--summary-json", "out/summary.json", "--html", "out/report.html"),
    )
    assert result.code == 1, result.stderr  # the 404s are failures
    with open(tmp_path / "out" / "run_stats.csv", newline="") as handle:
        rows = {row["Name"]: int(row["Request Count"]) for row in csv.DictReader(handle)}
    assert rows["/api/products"] > 10
    printed = {entry["name"]: entry["num_requests"] for entry in json.loads(result.stdout)}
    written = json.loads((tmp_path / "out" / "run.json").read_text())
    assert printed == {entry["name"]: entry["num_requests"] for entry in written}
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    # Serializing for --json resets the entries (Locust's way): the report, written from
    # the same entries, must not be left with the emptied ones.
    endpoints = {endpoint["name"]: endpoint["requests"] for endpoint in summary["endpoints"]}
    assert endpoints == printed == {name: n for name, n in rows.items() if name != "Aggregated"}
    assert all(e["percentiles_ms"]["p50"] is not None for e in summary["endpoints"])
    assert summary["users"] == {"peak": 10, "at_stop": 10}
    html = (tmp_path / "out" / "report.html").read_text()
    count = rows["/api/products"]  # under 1,000 in 3 s: no thousands separator
    assert f'name">/api/products</td><td class="">{count}</td>' in html


BROKEN_ANALYSIS = """
import horde.analysis
from locust import HttpUser, constant, task


def broken(*args, **kwargs):
    raise ZeroDivisionError("a fault of the analysis")


horde.analysis.analyze = broken  # what the run looks up when it ends


class Shopper(HttpUser):
    wait_time = constant(0.1)

    @task
    def products(self):
        self.client.get("/api/products")
"""


def test_a_failing_analysis_costs_no_output(horde, locustfile, demo_shop, tmp_path):
    locustfile(BROKEN_ANALYSIS)
    result = horde(
        *("--headless", "-u", "2", "-r", "2", "-t", "2s", "-H", demo_shop),
        *("--csv", "run", "--summary-json", "summary.json", "--html", "report.html"),
    )
    assert result.code == 0, result.stderr
    assert "The degradation analysis failed" in result.stderr
    assert "ZeroDivisionError: a fault of the analysis" in result.stderr
    assert "Inconclusive: the analysis failed" in result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["analysis"]["evidence"] == {"reason": "the analysis failed"}
    assert summary["totals"]["requests"] > 0
    assert (tmp_path / "report.html").stat().st_size > 0
    assert (tmp_path / "run_stats.csv").read_text().count("\n") >= 3


TAKES_THE_REPORTS_PLACE = """
import os

from locust import User, constant, events, task


@events.quitting.add_listener
def take_the_place(environment, **kwargs):
    os.mkdir("report.html")  # after the checks: writing it fails at the end


class Idle(User):
    wait_time = constant(0.1)

    @task
    def nothing(self):
        pass
"""


@pytest.mark.parametrize(
    ("option", "value", "folder"),
    [
        ("--html", "report", "report"),
        ("--summary-json", "summary", "summary"),
        ("--json-file", "stats", "stats.json"),
    ],
)
def test_an_output_that_is_a_folder_stops_the_run_before_it_starts(
    horde, locustfile, tmp_path, option, value, folder
):
    locustfile(TAKES_THE_REPORTS_PLACE)
    (tmp_path / folder).mkdir()
    result = horde("--headless", "-u", "1", "-t", "5s", "-H", "http://127.0.0.1:9", option, value)
    assert result.code == 1, result.stderr
    assert f"{option} {value}: {folder} is a folder; give a file name" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Aggregated" not in result.stderr  # no run


def test_an_output_that_cannot_be_written_at_the_end_fails_the_run(horde, locustfile, tmp_path):
    locustfile(TAKES_THE_REPORTS_PLACE)
    result = horde(
        *("--headless", "-u", "1", "-t", "1s", "--html", "report.html"),
        *("--summary-json", "summary.json"),
    )
    assert result.code == 1, result.stderr
    assert "--html: could not write report.html" in result.stderr
    assert "HTML report written" not in result.stderr
    assert "could not be written: exit code 1" in result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["totals"]["requests"] == 0
    assert summary["exit_code"] == 1  # written last, it counts the missing report
    assert "Traceback" not in result.stderr


FILLS_THE_DISK = """
import errno

from horde.report import _csv
from locust import User, constant, events, task

real_rewrite = _csv._CsvFile.rewrite
calls = 0


def rewrite(self, rows):
    global calls
    calls += 1
    if 3 <= calls <= 5 or FULL_AT_THE_END:  # three periodic writes fail, on the first file
        raise OSError(errno.ENOSPC, "No space left on device")
    real_rewrite(self, rows)


_csv._CsvFile.rewrite = rewrite
FULL_AT_THE_END = False


@events.quitting.add_listener
def fill_the_disk(environment, **kwargs):
    global FULL_AT_THE_END
    FULL_AT_THE_END = FULL


class Idle(User):
    wait_time = constant(0.1)

    @task
    def nothing(self):
        pass
"""


@pytest.mark.parametrize("full_at_the_end", [True, False])
def test_csv_files_that_cannot_be_written_cost_no_other_output(
    horde, locustfile, tmp_path, full_at_the_end
):
    locustfile(FILLS_THE_DISK.replace("= FULL\n", f"= {full_at_the_end}\n"))
    result = horde(
        *("--headless", "-u", "1", "-t", "4s", "--csv", "run", "--html", "report.html"),
        *("--summary-json", "summary.json", "--json-file", "stats"),
    )
    assert "Traceback" not in result.stderr
    assert result.stderr.count("--csv: could not write the files run_*.csv") == 1 + full_at_the_end
    assert "No space left on device); trying again every 1 s" in result.stderr
    assert "--csv: the files run_*.csv are written again" in result.stderr
    assert result.code == (1 if full_at_the_end else 0), result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["exit_code"] == result.code
    assert summary["totals"]["requests"] == 0
    assert (tmp_path / "report.html").stat().st_size > 0
    assert json.loads((tmp_path / "stats.json").read_text()) is not None
    assert "How the system held up" in result.stderr


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        (("--html", "same/a", "--summary-json", "same/a"), "--summary-json and --html"),
        (("--csv", "x", "--html", "x_stats.csv"), "--csv and --html would both write x_stats.csv"),
        (("--json-file", "j", "--summary-json", "j.json"), "--json-file and --summary-json"),
        (("--logfile", "run.log", "--html", "run.log"), "--html and --logfile"),
    ],
)
def test_two_outputs_on_one_file_are_refused(horde, locustfile, tmp_path, outputs, message):
    locustfile(TAKES_THE_REPORTS_PLACE)
    result = horde("--headless", "-u", "1", "-t", "1s", *outputs)
    assert result.code == 2, result.stderr
    assert message in result.stderr
    assert "give each its own file" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Aggregated" not in result.stderr  # no run


def test_a_csv_file_that_is_a_folder_stops_the_run_and_leaves_the_last_files(
    horde, locustfile, tmp_path
):
    locustfile(TAKES_THE_REPORTS_PLACE)
    (tmp_path / "run_stats.csv").write_text("the last run's figures")
    (tmp_path / "run_failures.csv").mkdir()
    result = horde("--headless", "-u", "1", "-t", "1s", "--csv", "run")
    assert result.code == 1, result.stderr
    assert "--csv run: run_failures.csv is a folder; give a file name" in result.stderr
    assert (tmp_path / "run_stats.csv").read_text() == "the last run's figures"
    assert not (tmp_path / "run_stats_history.csv").exists()


SETS_ITS_INTERVALS = """
import locust.stats
from locust import User, constant, task

locust.stats.CONSOLE_STATS_INTERVAL_SEC = SECONDS
locust.stats.CSV_STATS_INTERVAL_SEC = SECONDS


class Idle(User):
    wait_time = constant(0.1)

    @task
    def nothing(self):
        pass
"""


def test_a_locustfile_sets_the_console_and_csv_intervals(horde, locustfile, tmp_path):
    locustfile(SETS_ITS_INTERVALS.replace("SECONDS", "10"))
    result = horde("--headless", "-u", "1", "-t", "3s", "--csv", "run")
    assert result.code == 0, result.stderr
    assert result.stderr.count("Aggregated") == 2  # the final tables only: none every 2 s
    history = (tmp_path / "run_stats_history.csv").read_text().splitlines()
    assert len(history) == 3  # the header, the first row and the final one: none every 1 s


@pytest.mark.parametrize("seconds", ["0", "'1'", "float('inf')"])
def test_an_interval_that_is_no_time_is_refused(horde, locustfile, seconds):
    locustfile(SETS_ITS_INTERVALS.replace("SECONDS", seconds))
    result = horde("--headless", "-u", "1", "-t", "3s")
    assert result.code == 1, result.stderr
    assert "locust.stats.CONSOLE_STATS_INTERVAL_SEC = " in result.stderr
    assert "give a number of seconds above 0" in result.stderr
    assert "Traceback" not in result.stderr


SHOWS_ITS_LOAD = """
import logging

from locust import User, constant, events, task


@events.test_start.add_listener
def show(environment, **kwargs):
    options = environment.parsed_options
    logging.info("load: %s users at %s/s", options.num_users, options.spawn_rate)


class Idle(User):
    wait_time = constant(0.1)

    @task
    def nothing(self):
        pass
"""


def test_headless_defaults_of_1_user_at_1_a_second_are_the_locustfiles_too(
    horde, locustfile, tmp_path
):
    locustfile(SHOWS_ITS_LOAD)
    result = horde("--headless", "-t", "1s", "--html", "run_{u}_{r}_{t}.html")
    assert result.code == 0, result.stderr
    assert "load: 1 users at 1/s" in result.stderr
    assert (tmp_path / "run_1_1_1.html").exists()


def test_a_bad_config_value_the_command_line_overrides_stops_nothing(horde, locustfile, tmp_path):
    """As in Locust, only the value that wins is checked (the first pass that finds the
    locustfile too)."""
    locustfile(SHOWS_ITS_LOAD)
    (tmp_path / "locust.conf").write_text("users = abc\nrun-time = bogus\n")
    result = horde("--headless", "-u", "1", "-t", "1s")
    assert result.code == 0, result.stderr


@pytest.mark.parametrize("how", [("--otel",), ()])
def test_otel_is_accepted_and_said_to_be_ignored(horde, locustfile, tmp_path, how):
    """Locust runs without OpenTelemetry when its SDK is missing; so does horde."""
    locustfile(SHOWS_ITS_LOAD)
    if not how:
        (tmp_path / "locust.conf").write_text("otel = true\n")
    result = horde("--headless", "-t", "1s", *how)
    assert result.code == 0, result.stderr
    assert "--otel: horde does not export OpenTelemetry yet; it is ignored" in result.stderr
