"""``locust.stats``: the printer and history loops, and the CSV writers Locust's library
use spawns (the same bytes as ``--csv``)."""

import csv
import io
from types import SimpleNamespace

import pytest

import horde.compat.locust.stats as locust_stats
from horde.compat import locust_alias
from horde.report import CsvWriter, exceptions_csv, failures_csv, requests_csv, stats_table
from horde.stats import ExceptionLog, RequestStats

START = 1_795_832_189.0  # 2026-11-28T02:16:29Z


class FakeClock:
    def __init__(self, now=START):
        self.now = now

    def __call__(self):
        return self.now


class Stop(Exception):
    """Ends a forever loop from its sleep."""


class FakeSleep:
    """Records each sleep; raises :class:`Stop` on the ``calls``-th, after ``between``."""

    def __init__(self, calls, between=None):
        self.calls = calls
        self.between = between
        self.seconds = []

    def __call__(self, seconds):
        self.seconds.append(seconds)
        if self.between is not None:
            self.between(len(self.seconds))
        if len(self.seconds) >= self.calls:
            raise Stop


def some_stats(clock):
    stats = RequestStats(now=clock)
    stats.record("GET", "/cart", 12.0, 310, None)
    stats.record("GET", "/cart", 30.0, 0, ConnectionRefusedError(111, "Connection refused"))
    stats.record("POST", "/login, then home", 155.7, 20, None)  # a name that needs quoting
    stats.total.last_request_timestamp = START + 4
    return stats


def some_exceptions():
    exceptions = ExceptionLog()
    exceptions.record("local", "boom", '  File "lf.py", line 3, in task\n    boom()\n')
    return exceptions


def fake_environment(clock, exceptions=None):
    runner = SimpleNamespace(
        exceptions=exceptions if exceptions is not None else some_exceptions(),
        user_count=3,
        final_user_count=2,
    )
    return SimpleNamespace(stats=some_stats(clock), runner=runner)


def test_the_new_names_are_in_locust_stats():
    with locust_alias():
        from locust.stats import (
            STATS_AUTORESIZE,
            StatsCSV,
            StatsCSVFileWriter,
            stats_history,
            stats_printer,
        )

    assert STATS_AUTORESIZE is True
    assert stats_printer is locust_stats.stats_printer
    assert stats_history is locust_stats.stats_history
    assert issubclass(StatsCSVFileWriter, StatsCSV)


def test_stats_printer_prints_the_table_every_interval_forever(monkeypatch, table_lines):
    stats = some_stats(FakeClock())
    monkeypatch.setattr(locust_stats, "CONSOLE_STATS_INTERVAL_SEC", 0.25)  # a locustfile's
    sleep = FakeSleep(calls=3)
    monkeypatch.setattr(locust_stats, "sleep", sleep)
    printer = locust_stats.stats_printer(stats)

    with pytest.raises(Stop):
        printer()

    table = [*stats_table(stats, current=True), ""]
    assert table_lines == table * 3
    assert sleep.seconds == [0.25, 0.25, 0.25]


def test_stats_history_appends_while_not_stopped(monkeypatch):
    clock = FakeClock()
    stats = some_stats(clock)
    runner = SimpleNamespace(stats=stats, state="running", user_count=4)

    def between(calls):
        clock.now += 5
        runner.user_count += 1
        if calls == 2:
            runner.state = "stopped"

    sleep = FakeSleep(calls=4, between=between)
    monkeypatch.setattr(locust_stats, "sleep", sleep)
    monkeypatch.setattr(locust_stats, "PERCENTILES_TO_CHART", [0.9])

    with pytest.raises(Stop):
        locust_stats.stats_history(runner)

    assert sleep.seconds == [locust_stats.HISTORY_STATS_INTERVAL_SEC] * 4
    assert [point["user_count"][1] for point in stats.history] == [4, 5]
    assert [point["time"] for point in stats.history] == [
        "2026-11-28T02:16:29Z",
        "2026-11-28T02:16:34Z",
    ]
    assert "response_time_percentile_0.9" in stats.history[0]


def test_stats_history_ends_at_once_for_statistics_without_snapshots(monkeypatch):
    stats = RequestStats(use_response_times_cache=False)
    runner = SimpleNamespace(stats=stats, state="running", user_count=1)
    monkeypatch.setattr(locust_stats, "sleep", FakeSleep(calls=1))

    locust_stats.stats_history(runner)  # returns instead of raising Stop

    assert stats.history == []


def written(method):
    buffer = io.StringIO(newline="")
    method(csv.writer(buffer))
    return buffer.getvalue()


def test_stats_csv_writes_what_the_report_module_writes():
    environment = fake_environment(FakeClock())
    percentiles = [0.5, 0.95, 1.0]
    writer = locust_stats.StatsCSV(environment, percentiles)

    assert written(writer.requests_csv) == requests_csv(environment.stats, percentiles)
    assert written(writer.failures_csv) == failures_csv(environment.stats)
    assert written(writer.exceptions_csv) == exceptions_csv(environment.runner.exceptions)
    assert writer.requests_csv_columns[-3:] == ["50%", "95%", "100%"]
    assert written(writer.requests_csv).splitlines()[1].startswith("GET,/cart,2,1,")
    assert '"/login, then home"' in written(writer.requests_csv)
    assert "boom" in written(writer.exceptions_csv)


def test_stats_csv_without_a_runner_has_no_exception_rows():
    environment = SimpleNamespace(stats=some_stats(FakeClock()), runner=None)
    text = written(locust_stats.StatsCSV(environment, [0.5]).exceptions_csv)
    assert text == "Count,Message,Traceback,Nodes\r\n"


@pytest.mark.parametrize("percentiles", [[95], [0.5, 0], ["0.5"]])
def test_percentiles_that_are_not_fractions_are_refused(percentiles):
    environment = fake_environment(FakeClock())
    with pytest.raises(ValueError, match="fractions above 0 and up to 1"):
        locust_stats.StatsCSV(environment, percentiles)


@pytest.mark.parametrize("full_history", [False, True])
def test_file_writer_writes_the_same_bytes_as_the_csv_option(tmp_path, monkeypatch, full_history):
    clock = FakeClock()
    exceptions = some_exceptions()
    environment = fake_environment(clock, exceptions)
    percentiles = [0.5, 0.99]

    def between(calls):
        clock.now += 1
        environment.stats.record("GET", "/cart", 20.0 + calls, 100, None)

    monkeypatch.setattr(locust_stats, "sleep", FakeSleep(calls=3, between=between))
    writer = locust_stats.StatsCSVFileWriter(
        environment, percentiles, str(tmp_path / "lib" / "run"), full_history
    )
    with pytest.raises(Stop):
        writer.stats_writer()
    writer.close_files()
    writer.close_files()  # a second close does nothing

    # What --csv writes for the same figures at the same moments.
    clock.now = START
    stats = some_stats(clock)
    reference = CsvWriter(tmp_path / "cli" / "run", full_history, percentiles)
    for calls in range(1, 4):
        reference.write(stats, exceptions, 3, clock.now)
        clock.now += 1
        stats.record("GET", "/cart", 20.0 + calls, 100, None)
    reference.close(stats, exceptions, 2)

    for suffix in ("_stats.csv", "_stats_history.csv", "_failures.csv", "_exceptions.csv"):
        ours = (tmp_path / "lib" / f"run{suffix}").read_bytes()
        assert ours == (tmp_path / "cli" / f"run{suffix}").read_bytes(), suffix
    history = (tmp_path / "lib" / "run_stats_history.csv").read_text().splitlines()
    rows_per_write = 3 if full_history else 1  # two endpoints and the aggregate, or it alone
    assert len(history) == 1 + 4 * rows_per_write  # 3 writes and the final one
    assert writer.stats_history_file_name() == str(tmp_path / "lib" / "run_stats_history.csv")
    assert writer.stats_history_csv_columns[:2] == ["Timestamp", "User Count"]


def test_file_writer_flushes_on_request(tmp_path):
    environment = fake_environment(FakeClock())
    writer = locust_stats.StatsCSVFileWriter(environment, [0.5], str(tmp_path / "run"))
    writer.write()
    writer.requests_flush()
    assert "/cart" in (tmp_path / "run_stats.csv").read_text()
    writer.close_files()


def test_file_writer_loop_ends_once_the_files_are_closed(tmp_path, monkeypatch):
    environment = fake_environment(FakeClock())
    writer = locust_stats.StatsCSVFileWriter(environment, [0.5], str(tmp_path / "run"))
    sleep = FakeSleep(calls=5, between=lambda calls: calls == 2 and writer.close_files())
    monkeypatch.setattr(locust_stats, "sleep", sleep)
    writer()  # returns: no write to a closed file
    assert len(sleep.seconds) == 2


def test_file_writer_flushes_as_often_as_the_locustfile_says(tmp_path, monkeypatch):
    environment = fake_environment(FakeClock())
    writer = locust_stats.StatsCSVFileWriter(environment, [0.5], str(tmp_path / "run"))
    monkeypatch.setattr(locust_stats, "CSV_STATS_FLUSH_INTERVAL_SEC", 60)
    writer.write()
    assert writer.csv_writer.flush_interval == 60
    writer.close_files()
