import json

import pytest

from horde.stats import RequestStats, StatsEntry


@pytest.fixture
def stats(clock):
    return RequestStats(now=clock)


def test_a_new_entry_has_locusts_zero_values(stats, clock):
    entry = stats.get("/", "GET")
    assert entry.num_requests == entry.num_none_requests == entry.num_failures == 0
    assert entry.total_response_time == 0
    assert entry.min_response_time is None
    assert entry.max_response_time == 0
    assert entry.last_request_timestamp is None
    assert entry.start_time == clock.now
    assert entry.response_times == {}
    assert (entry.fail_ratio, entry.avg_response_time, entry.median_response_time) == (0, 0, 0)
    assert entry.avg_content_length == 0
    assert (entry.current_rps, entry.total_rps, entry.current_fail_per_sec) == (0, 0, 0)
    assert entry.get_response_time_percentile(0.95) == 0


def test_log_keeps_exact_times_and_counts(stats, clock):
    entry = stats.get("/", "GET")
    entry.log(2.83, 100)
    clock.advance(1.0)
    entry.log(None, 50)
    entry.log(1.25, 0)
    assert (entry.num_requests, entry.num_none_requests) == (3, 1)
    assert entry.total_response_time == 2.83 + 1.25
    assert (entry.min_response_time, entry.max_response_time) == (1.25, 2.83)
    assert entry.avg_response_time == (2.83 + 1.25) / 2
    assert entry.avg_content_length == 50
    assert entry.last_request_timestamp == clock.now
    assert dict(entry.num_reqs_per_sec) == {int(clock.now - 1): 1, int(clock.now): 2}


@pytest.mark.parametrize(
    ("requests", "failures", "ratio"), [(10, 3, 0.3), (0, 2, 1.0), (0, 0, 0.0), (4, 4, 1.0)]
)
def test_fail_ratio(stats, requests, failures, ratio):
    entry = stats.get("/", "GET")
    entry.num_requests, entry.num_failures = requests, failures
    assert entry.fail_ratio == ratio


def test_median_is_the_exact_value_of_a_single_request(stats):
    entry = stats.get("/", "GET")
    entry.log(6034.0, 0)
    assert entry.median_response_time == 6034.0
    assert entry.report_median() == 6034.0


def test_percentiles_never_exceed_the_max(stats):
    entry = stats.get("/", "GET")
    for ms in (150.0, 152.0, 155.7):
        entry.log(ms, 0)
    assert entry.get_response_time_percentile(1.0) == 155.7
    assert entry.report_percentiles([0.99, 1.0]) == [155, 155]


def test_report_median_rounds_when_not_clamped(stats):
    entry = stats.get("/", "GET")
    for ms in (1.0, 41.9, 42.1, 45.0):
        entry.log(ms, 0)
    assert entry.report_median() == 42
    assert isinstance(entry.report_median(), int)


def test_total_rps_uses_the_aggregates_window(stats, clock):
    start = clock.now
    stats.record("GET", "/a", 1.0, 0, None)
    clock.advance(4)
    stats.record("GET", "/b", 1.0, 0, "boom")
    assert stats.total.last_request_timestamp == start + 4
    assert stats.get("/a", "GET").total_rps == 0.25
    assert stats.get("/b", "GET").total_fail_per_sec == 0.25
    assert stats.total.total_rps == 0.5


def test_current_rps_averages_seconds_last_minus_12_to_last_minus_3(stats, clock):
    for _ in range(20):
        for _ in range(4):
            stats.record("GET", "/", 1.0, 0, "boom")
        clock.advance(1)
    stats.record("GET", "/", 1.0, 0, None)  # the current second is left out
    entry = stats.get("/", "GET")
    assert entry.current_rps == 4.0
    assert entry.current_fail_per_sec == 4.0


def test_current_rps_counts_from_the_start_when_younger_than_the_window(stats, clock):
    for _ in range(5):
        stats.record("GET", "/", 1.0, 0, None)
        clock.advance(1)
    # Seconds start..start+1 are averaged (last-3 is start+1).
    assert stats.total.current_rps == 1.0


def test_current_rps_without_stats_is_zero():
    entry = StatsEntry(None, "/", "GET")
    entry.log(1.0, 0)
    assert entry.current_rps == 0
    assert entry.total_rps == 0.0


def test_response_times_are_locust_buckets(stats):
    entry = stats.get("/", "GET")
    for ms in (1.2, 147.0, 3410.0, 11_000.0, 11_000.0):
        entry.log(ms, 0)
    assert entry.response_times == {1: 1, 150: 1, 3400: 1, 11000: 2}


def test_setting_response_times_rebuilds_the_histogram(stats):
    entry = stats.get("/", "GET")
    entry.response_times = {150: 3, 2: 1}
    assert entry.histogram.count == 4
    assert (entry.min_response_time, entry.max_response_time) == (2.0, 150.0)


def test_unserialize_a_locust_workers_report():
    data = {
        "name": "/item/1",
        "method": "GET",
        "last_request_timestamp": 1795832355.1712978,
        "start_time": 1795832353.5043182,
        "num_requests": 9,
        "num_none_requests": 0,
        "num_failures": 0,
        "total_response_time": 53.01442499995801,
        "max_response_time": 7.5680290000263994,
        "min_response_time": 4.623469999955887,
        "total_content_length": 1107,
        "response_times": {"8": 1, "6": 3, "5": 4, "7": 1},
        "num_reqs_per_sec": {"1795832353": 9},
        "num_fail_per_sec": {},
    }
    entry = StatsEntry.unserialize(data)
    assert entry.num_requests == 9
    assert entry.min_response_time == 4.623469999955887
    assert entry.max_response_time == 7.5680290000263994
    assert entry.response_times == {5: 4, 6: 3, 7: 1, 8: 1}
    assert dict(entry.num_reqs_per_sec) == {1795832353: 9}
    assert round(entry.get_response_time_percentile(0.5)) == 6
    assert entry.get_response_time_percentile(1.0) == 7.5680290000263994


def test_unserialize_an_empty_locust_report():
    entry = StatsEntry.unserialize(
        {"name": "/", "method": "GET", "min_response_time": None, "max_response_time": 0}
    )
    assert (entry.min_response_time, entry.max_response_time) == (None, 0)


def test_serialize_round_trips(stats, clock):
    entry = stats.get("/", "GET")
    for ms in (1.0, 2.5, 900.0):
        entry.log(ms, 10)
        entry.log_error("boom")
        clock.advance(1)
    copy = StatsEntry.unserialize(json.loads(json.dumps(entry.serialize())), stats)
    assert copy.serialize() == entry.serialize()
    assert copy.histogram == entry.histogram


def test_get_stripped_report_resets(stats):
    entry = stats.get("/", "GET")
    entry.log(1.0, 0)
    assert entry.get_stripped_report()["num_requests"] == 1
    assert entry.num_requests == 0


def test_extend_adds_everything(stats, clock):
    mine = stats.get("/", "GET")
    mine.log(5.0, 1)
    theirs = StatsEntry(None, "/", "GET")
    theirs.start_time = clock.now - 10
    theirs.log(2.0, 2)
    theirs.log(None, 3)
    theirs.log_error("boom")
    theirs.last_request_timestamp = clock.now + 5
    mine.extend(theirs)
    assert (mine.num_requests, mine.num_none_requests, mine.num_failures) == (3, 1, 1)
    assert (mine.min_response_time, mine.max_response_time) == (2.0, 5.0)
    assert mine.total_content_length == 6
    assert mine.start_time == clock.now - 10
    assert mine.last_request_timestamp == clock.now + 5
    assert mine.histogram.count == 2


def test_extend_from_an_empty_entry_keeps_timestamps(stats):
    mine = stats.get("/", "GET")
    mine.extend(StatsEntry(None, "/", "GET"))
    assert mine.last_request_timestamp is None
    mine.log(1.0, 0)
    last = mine.last_request_timestamp
    mine.extend(StatsEntry(None, "/", "GET"))
    assert mine.last_request_timestamp == last


def test_to_dict_has_locusts_keys(stats, clock):
    entry = stats.get("/<b>", "GET")
    for ms in (20.45, 30.0):
        entry.log(ms, 10)
    clock.advance(1)
    stats.total.log(1.0, 0)
    row = entry.to_dict(escape_string_values=True)
    assert list(row) == [
        "method",
        "name",
        "safe_name",
        "num_requests",
        "num_failures",
        "min_response_time",
        "max_response_time",
        "current_rps",
        "current_fail_per_sec",
        "avg_response_time",
        "median_response_time",
        "total_rps",
        "total_fail_per_sec",
        "response_time_percentile_0.95",
        "response_time_percentile_0.99",
        "avg_content_length",
    ]
    assert row["name"] == "/&lt;b&gt;"
    assert (row["min_response_time"], row["max_response_time"]) == (20.0, 30.0)
    assert row["response_time_percentile_0.99"] == 30.0
    assert list(entry.to_dict(percentiles=[0.5]))[-2] == "response_time_percentile_0.5"


def test_to_string_is_a_console_row(stats):
    entry = stats.get("/", "GET")
    entry.log(2.9, 0)
    assert str(entry) == entry.to_string(current=True)
    assert entry.to_string(name_width=20).startswith("GET      /                    ")


def test_percentile_row_needs_requests(stats):
    with pytest.raises(ValueError, match="no successful requests"):
        stats.get("/", "GET").percentile()


def test_repr(stats):
    assert repr(stats.get("/", "GET")) == "<StatsEntry GET '/' requests=0>"


def test_sub_millisecond_responses_show_as_locust_shows_them(stats):
    """Locust rounds each time to a whole ms (0.84 is 1) and clamps the median to the max."""
    entry = stats.get("/", "GET")
    for ms in (0.6, 0.7, 0.75, 0.84):
        entry.log(ms, 0)
    assert entry.report_percentiles([0.5, 0.95, 1.0]) == [1, 1, 1]
    assert entry.report_median() == 0.84
    fast = stats.get("/fast", "GET")
    for ms in (0.2, 0.3, 0.4):
        fast.log(ms, 0)
    assert (fast.report_percentiles([0.5, 1.0]), fast.report_median()) == ([0, 0], 0.2)
