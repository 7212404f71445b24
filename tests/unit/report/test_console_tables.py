"""Golden tests: the console tables against Locust 2.47's captured output (locust-compat.md, A)."""

from pathlib import Path

import pytest

import horde.stats
from horde.exceptions import CatchResponseError
from horde.report import error_report, final_report, percentiles_table, periodic_report, stats_table
from horde.stats import RequestStats

GOLDEN = (Path(__file__).parent / "golden" / "locust_summary.txt").read_text("utf-8").splitlines()
STATS_TABLE = GOLDEN[0:10]
PERCENTILES_TABLE = GOLDEN[11:20]
ERROR_REPORT = GOLDEN[21:29]
START = 1_795_832_189.0
# The run's window (start to last request) that gives Locust's rates to 2 decimals.
WINDOW = 3.7886


class HTTPError(Exception):
    """Stands in for requests' HTTPError (same repr)."""


def record_all(stats, method, name, values, error=None):
    for value in values:
        stats.record(method, name, value, 0, error)


def summary_stats(clock):
    """Requests that reproduce the captured summary's stats table and error report."""
    stats = RequestStats(now=clock)
    clock.advance(1)
    refused = ConnectionRefusedError(111, "Connection refused")
    record_all(stats, "GET", "/x", [1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 4.0, 18.0], refused)
    server_error = HTTPError("500 Server Error: Internal Server Error for url: /fail")
    record_all(stats, "GET", "/fail", [1.0] + [2.0] * 10 + [3.0], server_error)
    record_all(stats, "GET", "/nope", [1.0, 1.0, 2.0, 2.0, 3.0], CatchResponseError("Got 404!"))
    record_all(stats, "GET", "/", [1.0] + [2.0] * 24 + [3.0] * 8 + [4.0])
    record_all(stats, "GET", "/item/[id]", [1.0] * 7 + [42.0, 42.0, 43.0, 44.0, 44.0, 45.0, 45.0])
    record_all(stats, "POST", "/slow", [152.5] * 7 + [153.0, 154.0, 154.0, 155.0, 156.0, 157.5])
    stats.total.last_request_timestamp = START + WINDOW
    return stats


def percentile_stats(clock):
    """Requests that reproduce the captured percentile table's rows."""
    stats = summary_stats(clock)
    stats.get("/slow", "POST").reset()
    stats.total.reset()
    record_all(stats, "POST", "/slow", [149.8] * 12 + [160.0])
    for entry in stats.entries.values():
        if entry.name != "/slow":
            stats.total.extend(entry)
    return stats


def test_stats_table_with_totals_matches_locust(clock):
    assert stats_table(summary_stats(clock), current=False) == STATS_TABLE


def test_error_report_matches_locust(clock):
    assert error_report(summary_stats(clock)) == ERROR_REPORT


def test_percentiles_table_matches_locust(clock):
    lines = percentiles_table(percentile_stats(clock))
    assert len(lines) == len(PERCENTILES_TABLE) + 2  # Locust's capture elides three rows
    assert lines[:4] == PERCENTILES_TABLE[:4]
    assert lines[7:10] == PERCENTILES_TABLE[5:8]
    # Locust's two-digit buckets put the twelve 149.8 ms requests at 150; horde's histogram
    # reports them within 1% (148), and the max exactly.
    locust_aggregated = PERCENTILES_TABLE[8]
    assert lines[10] == locust_aggregated.replace("   150    150    150", "   148    148    148")


def test_final_report_is_the_three_parts(clock):
    stats = summary_stats(clock)
    lines = final_report(stats)
    assert lines[:10] == STATS_TABLE
    assert lines[10] == ""
    assert lines[11] == "Response time percentiles (approximated)"
    assert lines[-8:] == ERROR_REPORT
    assert lines[-9] == ""
    assert len(lines) == 10 + 1 + 11 + 1 + 8


def test_final_report_without_errors_has_no_error_report(clock):
    stats = RequestStats(now=clock)
    stats.record("GET", "/", 1.0, 0, None)
    lines = final_report(stats)
    assert "Error report" not in lines
    assert lines[-1] == ""


def test_periodic_report_uses_current_rates_and_ends_with_a_blank(clock):
    stats = RequestStats(now=clock)
    for _ in range(20):
        for _ in range(5):
            stats.record("GET", "/", 1.0, 0, None)
        clock.advance(1)
    lines = periodic_report(stats)
    assert lines[-1] == ""
    assert lines[2].endswith("|    5.00        0.00")
    assert lines[-2].startswith("         Aggregated ")


def test_empty_stats_table_before_any_traffic(clock):
    lines = stats_table(RequestStats(now=clock))
    assert lines[:2] == STATS_TABLE[:2]
    assert lines[2] == STATS_TABLE[8]
    zeros = "       0     0(0.00%) |      0       0       0      0 |    0.00        0.00"
    assert lines[3] == STATS_TABLE[9][:85] + zeros


def test_entries_without_timed_requests_are_left_out_of_the_percentiles(clock):
    stats = RequestStats(now=clock)
    stats.record("GET", "/untimed", None, 0, None)
    lines = percentiles_table(stats)
    assert len(lines) == 4
    assert lines[3] == lines[2]


@pytest.mark.parametrize("name_width", [40, 120])
def test_name_width_is_configurable(clock, name_width):
    stats = summary_stats(clock)
    table = stats_table(stats, name_width=name_width)
    assert {len(line) for line in table} == {len(STATS_TABLE[0]) - 80 + name_width}
    percentiles = percentiles_table(stats, name_width=name_width)
    assert {len(line) for line in percentiles[1:]} == {len(PERCENTILES_TABLE[1]) - 80 + name_width}
    assert len(error_report(stats, name_width=name_width)[2]) == 80 + name_width


def test_percentiles_follow_a_locustfile_override(clock, monkeypatch):
    monkeypatch.setattr(horde.stats, "PERCENTILES_TO_REPORT", [0.5, 0.999])
    lines = percentiles_table(summary_stats(clock))
    assert lines[1].endswith("     50%  99.9% # reqs")
    assert lines[2].endswith("|--------|------|------")
