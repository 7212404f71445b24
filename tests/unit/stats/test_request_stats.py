import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from horde.event import RequestHook
from horde.stats import Histogram, RequestStats

requests = st.lists(
    st.tuples(
        st.sampled_from(["GET", "POST"]),
        st.sampled_from(["/", "/cart", "/item/[id]"]),
        st.one_of(st.none(), st.floats(min_value=0.0, max_value=60_000.0)),
        st.integers(min_value=0, max_value=10_000),
        st.one_of(st.none(), st.sampled_from(["refused", "timeout"])),
        st.floats(min_value=0.0, max_value=30.0),
    ),
    max_size=60,
)


def everything(stats):
    entries = {key: entry.serialize() for key, entry in stats.entries.items()}
    errors = stats.serialize_errors()
    return entries, stats.total.serialize(), errors


@given(requests)
def test_record_does_what_log_request_and_log_error_do(calls):
    fast_clock, slow_clock = [1000.0], [1000.0]
    fast = RequestStats(now=lambda: fast_clock[0])
    slow = RequestStats(now=lambda: slow_clock[0])
    for method, name, response_time, length, error, delay in calls:
        fast_clock[0] += delay
        slow_clock[0] += delay
        fast.record(method, name, response_time, length, error)
        slow.log_request(method, name, response_time, length)
        if error is not None:
            slow.log_error(method, name, error)
    assert everything(fast) == everything(slow)


def test_record_is_a_request_sink(clock):
    stats = RequestStats(now=clock)
    hook = RequestHook()
    hook.sink = stats.record
    hook.fire(request_type="GET", name="/", response_time=3.0, response_length=7, exception=None)
    assert stats.get("/", "GET").num_requests == 1
    assert stats.total.total_content_length == 7


def test_entries_are_keyed_by_name_then_method_and_created_on_access(clock):
    stats = RequestStats(now=clock)
    entry = stats.entries[("/cart", "GET")]
    assert (entry.name, entry.method) == ("/cart", "GET")
    assert stats.get("/cart", "GET") is entry
    assert entry.use_response_times_cache


def test_total_is_aggregated_with_empty_method(clock):
    stats = RequestStats(now=clock)
    assert (stats.total.name, stats.total.method) == ("Aggregated", "")


def test_proxies_read_the_total(clock):
    stats = RequestStats(now=clock)
    start = clock.now
    clock.advance(1.5)
    stats.record("GET", "/", None, 0, None)
    stats.record("GET", "/", 2.0, 0, "boom")
    assert (stats.num_requests, stats.num_none_requests, stats.num_failures) == (2, 1, 1)
    assert stats.last_request_timestamp == start + 1.5
    assert stats.start_time == start


def test_errors_are_grouped_by_method_name_and_text(clock):
    stats = RequestStats(now=clock)
    for _ in range(3):
        stats.record("GET", "/x", 1.0, 0, ConnectionRefusedError(111, "Connection refused"))
        clock.advance(2)
    stats.record("POST", "/x", 1.0, 0, ConnectionRefusedError(111, "Connection refused"))
    assert sorted(e.occurrences for e in stats.errors.values()) == [1, 3]
    error = next(e for e in stats.errors.values() if e.method == "GET")
    assert error.first_seen == 1_795_832_189.0
    assert error.last_seen == 1_795_832_193.0


def test_error_key_cache_is_bounded(clock, monkeypatch):
    monkeypatch.setattr("horde.stats._request_stats._ERROR_KEY_CACHE_SIZE", 2)
    stats = RequestStats(now=clock)
    for i in range(5):
        stats.record("GET", "/", 1.0, 0, f"error {i}")
    assert len(stats.errors) == 5
    assert len(stats._error_keys) <= 2


def test_reset_all_zeroes_entries_but_keeps_them(clock):
    stats = RequestStats(now=clock)
    stats.record("GET", "/", 1.0, 10, "boom")
    clock.advance(5)
    stats.reset_all()
    entry = stats.get("/", "GET")
    assert list(stats.entries) == [("/", "GET")]
    assert (entry.num_requests, entry.num_failures, entry.min_response_time) == (0, 0, None)
    assert stats.total.num_requests == 0
    assert stats.errors == {}
    assert stats.start_time == clock.now


def test_clear_all_forgets_entries_errors_and_series(clock):
    stats = RequestStats(now=clock)
    stats.record("GET", "/", 1.0, 10, "boom")
    stats.tick(clock.now + 1, 1)
    old_total = stats.total
    stats.clear_all()
    assert stats.entries == {}
    assert stats.errors == {}
    assert stats.total is not old_total
    assert len(stats.total_series) == 0
    assert stats.all_series == {}


def test_serialize_stats_skips_empty_entries_and_resets(clock):
    stats = RequestStats(now=clock)
    stats.get("/empty", "GET")
    stats.record("GET", "/", 4.0, 10, None)
    (report,) = stats.serialize_stats()
    assert report["name"] == "/"
    assert report["num_requests"] == 1
    assert stats.get("/", "GET").num_requests == 0
    assert stats.total.num_requests == 1


def test_serialize_stats_for_json_has_locusts_keys_in_order(clock):
    stats = RequestStats(now=clock)
    stats.record("GET", "/item/1", 4.62, 123, None)
    (report,) = stats.serialize_stats(include_histogram=False)
    assert list(report) == [
        "name",
        "method",
        "last_request_timestamp",
        "start_time",
        "num_requests",
        "num_none_requests",
        "num_failures",
        "total_response_time",
        "max_response_time",
        "min_response_time",
        "total_content_length",
        "response_times",
        "num_reqs_per_sec",
        "num_fail_per_sec",
    ]
    assert json.loads(json.dumps(report))["response_times"] == {"5": 1}


def test_serialize_errors(clock):
    stats = RequestStats(now=clock)
    stats.record("GET", "/", 1.0, 0, "boom")
    ((key, error),) = stats.serialize_errors().items()
    assert len(key) == 64
    assert error == {
        "name": "/",
        "method": "GET",
        "error": "boom",
        "occurrences": 1,
        "first_seen": clock.now,
        "last_seen": clock.now,
    }


def test_master_merges_worker_reports_exactly(clock):
    master = RequestStats(now=clock)
    everything_in_one = RequestStats(now=clock)
    workers = [RequestStats(now=clock) for _ in range(2)]
    for i, worker in enumerate(workers):
        for ms in (1.0, 10.0, 100.0 * (i + 1)):
            worker.record("GET", "/", ms, 5, "boom" if ms == 1.0 else None)
            everything_in_one.record("GET", "/", ms, 5, "boom" if ms == 1.0 else None)
            clock.advance(1)
    for worker in workers:
        report = json.loads(json.dumps(worker.report_to_master()))
        assert worker.total.num_requests == 0
        assert worker.errors == {}
        master.merge_worker_report(report)
    merged, single = master.get("/", "GET"), everything_in_one.get("/", "GET")
    assert merged.histogram == single.histogram
    assert master.total.histogram == everything_in_one.total.histogram
    assert (merged.num_requests, merged.num_failures, master.total.num_requests) == (6, 2, 6)
    assert merged.get_response_time_percentile(0.95) == single.get_response_time_percentile(0.95)
    (error,) = master.errors.values()
    assert error.occurrences == 2
    assert (error.first_seen, error.last_seen) == (1_795_832_189.0, 1_795_832_192.0)


def test_master_merges_a_locust_workers_report(clock):
    master = RequestStats(now=clock)
    entry = {
        "name": "/",
        "method": "GET",
        "last_request_timestamp": clock.now,
        "start_time": clock.now - 3,
        "num_requests": 3,
        "num_none_requests": 0,
        "num_failures": 1,
        "total_response_time": 30.0,
        "max_response_time": 20.0,
        "min_response_time": 2.0,
        "total_content_length": 0,
        "response_times": {2: 1, 8: 1, 20: 1},
        "num_reqs_per_sec": {int(clock.now): 3},
        "num_fail_per_sec": {int(clock.now): 1},
    }
    error = {"name": "/", "method": "GET", "error": "boom", "occurrences": 1}
    master.merge_worker_report({"stats": [entry], "stats_total": entry, "errors": {"k": error}})
    assert master.get("/", "GET").num_requests == 3
    assert round(master.total.median_response_time) == 8
    assert master.errors["k"].occurrences == 1


def test_update_history_appends_locusts_chart_point(clock):
    stats = RequestStats(now=clock)
    stats.record("GET", "/", 10.0, 0, None)
    clock.advance(5)  # the snapshot taken at the start is now in the "current" window
    point = stats.update_history(user_count=3)
    when = "2026-11-28T02:16:34Z"
    assert point == {
        "response_time_percentile_0.5": [when, 10.0],
        "response_time_percentile_0.95": [when, 10.0],
        "current_rps": [when, 0.0],
        "current_fail_per_sec": [when, 0.0],
        "total_avg_response_time": [when, 10.0],
        "user_count": [when, 3],
        "time": when,
    }
    assert stats.history == [point]
    stats.reset_all()
    assert stats.history == []


def test_tick_appends_one_sample_per_entry_and_the_aggregate(clock):
    stats = RequestStats(now=clock)
    start = clock.now
    for ms in (10.0, 20.0, 30.0, 40.0):
        stats.record("GET", "/a", ms, 0, None)
    stats.record("POST", "/b", None, 0, "boom")
    sample = stats.tick(start + 2.0, user_count=7)
    assert (sample.requests, sample.failures, sample.user_count) == (5, 1, 7)
    assert sample.rps == 2.5
    assert sample.fail_per_sec == 0.5
    assert sample.max == pytest.approx(40.0, rel=0.01)
    assert sample.avg == 25.0
    a = stats.series("/a", "GET")[0]
    assert a.p50 == pytest.approx(30.0, rel=0.01)
    assert a.p99 == pytest.approx(40.0, rel=0.01)
    b = stats.series("/b", "POST")[0]
    assert (b.requests, b.failures, b.p50, b.max, b.avg) == (1, 1, None, None, None)
    assert set(stats.all_series) == {("/a", "GET"), ("/b", "POST")}


def test_tick_samples_cover_only_their_interval(clock):
    stats = RequestStats(now=clock)
    stats.record("GET", "/", 500.0, 0, None)
    stats.tick(clock.now + 1, 1)
    clock.advance(1)
    stats.record("GET", "/", 5.0, 0, None)
    stats.record("GET", "/", 7.0, 0, None)
    sample = stats.tick(clock.now + 1, 1)
    assert sample.requests == 2
    assert sample.max == pytest.approx(7.0, rel=0.01)
    assert sample.avg == 6.0
    assert (sample.total_requests, sample.total_avg) == (3, 512.0 / 3)
    idle = stats.tick(clock.now + 2, 1)
    assert (idle.requests, idle.rps, idle.p95, idle.max) == (0, 0.0, None, None)


def test_a_sample_can_cover_other_than_the_time_since_the_last_tick(clock):
    stats = RequestStats(now=clock)
    stats.tick(clock.now + 1, 1)
    for _ in range(50):
        stats.record("GET", "/", 5.0, 0, None)
    # 50 requests reported 20 ms after the last tick, made over the second before it.
    sample = stats.tick(clock.now + 1.02, 1, covers=1.0)
    assert sample.rps == 50.0
    assert stats.last_tick == clock.now + 1.02


def test_series_survive_reset_all_and_intervals_restart(clock):
    stats = RequestStats(now=clock)
    stats.record("GET", "/", 5.0, 0, None)
    stats.tick(clock.now + 1, 1)
    clock.advance(1)
    stats.reset_all()
    stats.record("GET", "/", 6.0, 0, None)
    sample = stats.tick(clock.now + 1, 1)
    assert len(stats.total_series) == 2
    assert (sample.requests, sample.total_requests) == (1, 1)


def test_the_open_model_keeps_series_of_corrected_latency_beside_the_measured(clock):
    stats = RequestStats(now=clock)
    stats.tick(clock.now + 1, 1)
    assert stats.corrected_series == {}  # a closed-model run has none
    stats.record("GET", "/", 5.0, 0, None)
    stats.record_corrected("GET", "/", 805.0)  # it started 800 ms late
    stats.tick(clock.now + 2, 1)
    stats.record("GET", "/", 6.0, 0, None)
    stats.record_corrected("GET", "/", 6.0)
    measured = stats.tick(clock.now + 3, 1)
    aggregate = stats.corrected_series[None]
    endpoint = stats.corrected_series[("/", "GET")]
    # The first second had no request: no latency, but a sample, as in the measured one.
    assert [p95 and round(p95) for p95 in aggregate.column("p95")] == [None, 805, 6]
    assert [round(p95) for p95 in endpoint.column("p95")] == [805, 6]
    # The same seconds, counts and rates, sample for sample; only the latency differs.
    assert aggregate.column("timestamp") == stats.total_series.column("timestamp")
    assert aggregate.column("requests") == stats.total_series.column("requests") == [0, 1, 1]
    assert endpoint.column("timestamp") == stats.series("/", "GET").column("timestamp")
    assert aggregate[-1].rps == measured.rps
    assert measured.p95 == pytest.approx(6.0, rel=0.01)
    # A reset (--reset-stats) empties the histograms, not the series: they stay in step.
    stats.reset_all()
    stats.tick(clock.now + 4, 1)
    assert len(aggregate) == len(stats.total_series) == 4
    assert len(endpoint) == len(stats.series("/", "GET")) == 3
    assert aggregate[-1].p95 is None


def test_series_of_an_unknown_endpoint_is_empty(clock):
    assert len(RequestStats(now=clock).series("/nope", "GET")) == 0


def test_per_second_retention_bounds_memory(clock):
    stats = RequestStats(now=clock, per_second_retention=5)
    for _ in range(200):
        stats.record("GET", "/", 1.0, 0, "boom")
        clock.advance(1)
        stats.tick(clock.now, 1)
    entry = stats.get("/", "GET")
    # Pruning happens once a minute past the retention: at most 5 + 60 seconds are kept.
    for counts in (entry.num_reqs_per_sec, entry.num_fail_per_sec, stats.total.num_reqs_per_sec):
        assert 5 <= len(counts) <= 66
    assert len(stats.total_series) == 200
    assert stats.total.num_requests == 200


def test_current_percentile_uses_about_the_last_ten_seconds(clock):
    stats = RequestStats(now=clock)
    entry = stats.get("/", "GET")
    for second in range(30):
        stats.record("GET", "/", 1000.0 if second < 15 else 10.0, 0, None)
        clock.advance(1)
        stats.tick(clock.now, 1)
    assert entry.get_current_response_time_percentile(0.99) == pytest.approx(10.0, rel=0.01)
    assert entry.get_response_time_percentile(0.99) == pytest.approx(1000.0, rel=0.01)


def test_current_percentile_is_none_without_a_snapshot(clock):
    stats = RequestStats(now=clock)
    stats.record("GET", "/", 10.0, 0, None)
    # Like Locust, the snapshot taken at the reset serves for 18 s; then nothing is close.
    clock.advance(3)
    assert stats.total.get_current_response_time_percentile(0.5) == 10.0
    clock.advance(30)
    assert stats.total.get_current_response_time_percentile(0.5) is None
    assert stats.total.report_percentiles([0.5, 0.9], current=True) == [0, 0]


def test_current_percentile_needs_the_cache(clock):
    stats = RequestStats(use_response_times_cache=False, now=clock)
    with pytest.raises(ValueError, match="use_response_times_cache"):
        stats.total.get_current_response_time_percentile(0.5)


@pytest.mark.parametrize("response_time", [0.0, 1e-9, 0.5, 12.3, 1e7, float("inf")])
def test_record_buckets_like_the_histogram(clock, response_time):
    stats = RequestStats(now=clock)
    stats.record("GET", "/", response_time, 0, None)
    expected = Histogram()
    expected.record(response_time)
    assert stats.get("/", "GET").histogram == expected
    assert stats.total.histogram == expected
