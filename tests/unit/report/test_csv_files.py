"""Golden tests: the CSV files against Locust 2.47's captured output (locust-compat.md, A)."""

import csv
from pathlib import Path

import pytest

import horde.stats
from horde.exceptions import CatchResponseError
from horde.report import (
    EXCEPTIONS_HEADER,
    FAILURES_HEADER,
    CsvWriter,
    exceptions_csv,
    failures_csv,
    requests_csv,
)
from horde.stats import ExceptionLog, RequestStats

HERE = Path(__file__).parent / "golden"
STATS_CSV = (HERE / "locust_stats.csv").read_text("utf-8").splitlines()
HISTORY_CSV = (HERE / "locust_stats_history.csv").read_text("utf-8").splitlines()
FAILURES_CSV = (HERE / "locust_failures.csv").read_text("utf-8").splitlines()
START = 1_795_832_189.0  # 2026-11-28T02:16:29Z
LAST_REQUEST = 1_795_832_194.0030434  # the run window that gives Locust's rates exactly
TRACEBACK = '  File "locustfile.py", line 36, in boom\n    raise ValueError("boom in task")\n'


class HTTPError(Exception):
    """Stands in for requests' HTTPError (same repr)."""


def lines_of(path):
    data = path.read_bytes().decode("utf-8")
    assert data.endswith("\r\n")
    return data.split("\r\n")[:-1]


def x_stats(clock):
    """Nineteen failed requests to /x, as in the captured ``_stats.csv``."""
    stats = RequestStats(now=clock)
    stats.get("/empty", "GET")
    refused = ConnectionRefusedError(111, "Connection refused")
    for value in [0.9729620000484829] + [1.0] * 9 + [2.0] * 7 + [3.0, 7.4381430000016735]:
        stats.record("GET", "/x", value, 0, refused)
    for entry in (stats.get("/x", "GET"), stats.total):
        entry.total_response_time = 34.254667000141126
    stats.total.last_request_timestamp = LAST_REQUEST
    return stats


def failures_stats(clock):
    """The three failures of the captured ``_failures.csv``."""
    stats = RequestStats(now=clock)
    errors = {
        "/nope": CatchResponseError("Got 404!"),
        "/fail": HTTPError("500 Server Error: Internal Server Error for url: /fail"),
        "/x": ConnectionRefusedError(111, "Connection refused"),
    }
    counts = {"/nope": 12, "/fail": 14, "/x": 19}
    for name, error in errors.items():
        clock.now = START + (1 if name == "/nope" else 0)
        for i in range(counts[name]):
            if i == counts[name] - 1:
                clock.now = START + 5
            stats.record("GET", name, 1.0, 0, error)
    return stats


def exceptions():
    log = ExceptionLog()
    for _ in range(9):
        log.record("local", "boom in task", TRACEBACK)
    return log


@pytest.fixture
def prefix(tmp_path):
    return tmp_path / "out" / "run"


def test_headers_match_locust(prefix, clock):
    writer = CsvWriter(prefix)
    writer.close()
    assert lines_of(Path(f"{prefix}_stats.csv")) == STATS_CSV[:1]
    assert lines_of(Path(f"{prefix}_stats_history.csv")) == HISTORY_CSV[:1]
    assert lines_of(Path(f"{prefix}_failures.csv")) == FAILURES_CSV[:1]
    assert lines_of(Path(f"{prefix}_exceptions.csv")) == ["Count,Message,Traceback,Nodes"]
    assert FAILURES_CSV[0].split(",") == FAILURES_HEADER
    assert EXCEPTIONS_HEADER == ["Count", "Message", "Traceback", "Nodes"]


def test_stats_rows_match_locust(prefix, clock):
    writer = CsvWriter(prefix)
    writer.write(x_stats(clock), {}, 3, LAST_REQUEST)
    writer.close()
    _, empty, x_row, aggregated = lines_of(Path(f"{prefix}_stats.csv"))
    assert x_row == STATS_CSV[3]
    assert empty == "GET,/empty,0,0,0,0.0,0,0,0,0.0,0.0," + ",".join(["N/A"] * 11)
    assert aggregated == "," + STATS_CSV[3].replace("GET,/x", "Aggregated")


def test_first_history_row_comes_before_traffic(prefix, clock):
    writer = CsvWriter(prefix, full_history=True)
    writer.write(RequestStats(now=clock), {}, 0, START + 0.25)
    writer.close()
    assert lines_of(Path(f"{prefix}_stats_history.csv")) == HISTORY_CSV[:2]


def test_full_history_rows_match_locust(prefix, clock):
    stats = RequestStats(now=clock)
    clock.advance(0.5)
    for value in (1.5983749999577412, 2.0, 2.0, 19.734167000024172):
        stats.record("GET", "/", value, 11, None)
    for value in (2.5534019999895463, 2.833956000017679):
        stats.record("GET", "/fail", value, 3, "500")
    stats.get("/", "GET").total_response_time = 4 * 6.287504250011011
    clock.advance(1)
    writer = CsvWriter(prefix, full_history=True)
    writer.write(stats, {}, 3, clock.now)
    writer.close()
    rows = lines_of(Path(f"{prefix}_stats_history.csv"))
    assert rows[1:3] == HISTORY_CSV[2:4]
    assert rows[3].startswith("1795832190,3,,Aggregated,0.000000,0.000000,0,0,0,")


def test_history_percentiles_are_cumulative_without_full_history(prefix, clock):
    stats = RequestStats(now=clock)
    stats.record("GET", "/", 2.0, 0, None)
    writer = CsvWriter(prefix)
    writer.write(stats, {}, 1, clock.now)
    writer.close()
    (_, row) = lines_of(Path(f"{prefix}_stats_history.csv"))
    assert row.startswith("1795832189,1,,Aggregated,0.000000,0.000000,2,2,2,2,2,2,2,2,2,2,2,1,0,")


def test_failures_rows_match_locust(prefix, clock):
    writer = CsvWriter(prefix)
    writer.write(failures_stats(clock), {}, 0, START)
    writer.close()
    assert lines_of(Path(f"{prefix}_failures.csv")) == FAILURES_CSV[:4]


def test_exceptions_rows_quote_the_multiline_traceback(prefix, clock):
    writer = CsvWriter(prefix)
    writer.write(RequestStats(now=clock), exceptions(), 0, START)
    writer.close()
    expected = (
        "Count,Message,Traceback,Nodes\r\n"
        '9,boom in task,"  File ""locustfile.py"", line 36, in boom\n'
        '    raise ValueError(""boom in task"")\n'
        '",local\r\n'
    )
    assert Path(f"{prefix}_exceptions.csv").read_bytes().decode() == expected


def test_exception_nodes_are_joined(clock):
    log = ExceptionLog()
    log.record("worker-b", "x", "tb")
    log.record("worker-a", "x", "tb")
    assert exceptions_csv(log).splitlines()[1] == '2,x,tb,"worker-a, worker-b"'


def test_stats_and_failures_are_rewritten_in_place_and_history_appended(prefix, clock):
    stats = RequestStats(now=clock)
    writer = CsvWriter(prefix)
    stats.record("GET", "/a", 1.0, 0, "boom")
    writer.write(stats, {}, 1, START)
    stats.clear_all()
    stats.record("GET", "/b", 1.0, 0, None)
    writer.write(stats, {}, 1, START + 1)
    writer.close()
    assert [row.split(",")[1] for row in lines_of(Path(f"{prefix}_stats.csv"))[1:]] == [
        "/b",
        "Aggregated",
    ]
    assert lines_of(Path(f"{prefix}_failures.csv")) == FAILURES_CSV[:1]
    assert len(lines_of(Path(f"{prefix}_stats_history.csv"))) == 3


def test_close_writes_the_final_state_and_replaces_the_same_seconds_history(prefix, clock):
    stats = RequestStats(now=clock)
    writer = CsvWriter(prefix)
    writer.write(stats, {}, 0, START + 0.1)
    stats.record("GET", "/", 1.0, 0, None)
    writer.close(stats, exceptions(), 2, START + 0.9)
    history = lines_of(Path(f"{prefix}_stats_history.csv"))
    assert len(history) == 2
    assert history[1].startswith("1795832189,2,,Aggregated,")
    assert lines_of(Path(f"{prefix}_stats.csv"))[1].startswith("GET,/,1,0,")
    assert len(lines_of(Path(f"{prefix}_exceptions.csv"))) == 2


def test_close_in_a_later_second_appends(prefix, clock):
    stats = RequestStats(now=clock)
    writer = CsvWriter(prefix)
    writer.write(stats, {}, 0, START)
    clock.advance(1)
    writer.close(stats)
    assert len(lines_of(Path(f"{prefix}_stats_history.csv"))) == 3


def test_close_twice_is_harmless(prefix, clock):
    writer = CsvWriter(prefix)
    writer.close(RequestStats(now=clock))
    writer.close(RequestStats(now=clock))
    assert writer.closed


def test_close_on_a_full_disk_raises_and_still_closes_every_file(prefix, clock):
    writer = CsvWriter(prefix)
    files = writer._files
    files[1].handle.close()
    files[1].handle = open("/dev/full", "w", newline="", encoding="utf-8")  # noqa: SIM115
    files[1].writer = csv.writer(files[1].handle)
    with pytest.raises(OSError, match="No space left on device"):
        writer.close(RequestStats(now=clock))
    assert writer.closed
    assert all(f.handle.closed for f in files)
    writer.close(RequestStats(now=clock))  # nothing more to do


def test_data_is_on_disk_after_the_first_write(prefix, clock):
    writer = CsvWriter(prefix)
    writer.write(RequestStats(now=clock), {}, 0, START)
    assert len(lines_of(Path(f"{prefix}_stats_history.csv"))) == 2
    writer.close()


def test_paths(prefix):
    writer = CsvWriter(str(prefix))
    assert [p.name for p in writer.paths] == [
        "run_stats.csv",
        "run_stats_history.csv",
        "run_failures.csv",
        "run_exceptions.csv",
    ]
    writer.close()


def test_percentiles_are_read_when_the_writer_is_created(prefix, monkeypatch):
    monkeypatch.setattr(horde.stats, "PERCENTILES_TO_REPORT", [0.5, 0.999])
    writer = CsvWriter(prefix)
    monkeypatch.setattr(horde.stats, "PERCENTILES_TO_REPORT", [0.1])
    writer.close()
    assert lines_of(Path(f"{prefix}_stats.csv"))[0].endswith("Failures/s,50%,99.9%")


def test_text_functions_match_the_files(clock):
    stats = failures_stats(clock)
    assert failures_csv(stats).split("\r\n")[:4] == FAILURES_CSV[:4]
    assert requests_csv(x_stats(clock), [0.5]).split("\r\n")[0].endswith("Failures/s,50%")


def test_full_history_without_the_cache_writes_zero_percentiles(prefix, clock):
    stats = RequestStats(use_response_times_cache=False, now=clock)
    stats.record("GET", "/", 2.0, 0, None)
    writer = CsvWriter(prefix, full_history=True)
    writer.write(stats, {}, 1, clock.now)
    writer.close()
    row = lines_of(Path(f"{prefix}_stats_history.csv"))[1]
    assert row.startswith("1795832189,1,GET,/,0.000000,0.000000,0,0,0,0,0,0,0,0,0,0,0,1,0,")
