import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from horde.stats import RELATIVE_ERROR, Histogram
from horde.stats._histogram import (
    ZERO_BUCKET,
    ZERO_THRESHOLD_MS,
    bucket_index,
    bucket_value,
)

response_times = st.floats(min_value=0.0, max_value=3_600_000.0, allow_nan=False)
samples = st.lists(response_times, min_size=1, max_size=300)
fractions = st.floats(min_value=0.0, max_value=1.0)
ALL_FRACTIONS = [0.0, 0.01, 0.25, 0.5, 0.66, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0]


def build(values):
    histogram = Histogram()
    for v in values:
        histogram.record(v)
    return histogram


def exact_percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)]


def assert_close(got, exact):
    if exact <= ZERO_THRESHOLD_MS:
        assert abs(got - exact) <= ZERO_THRESHOLD_MS
    else:
        assert abs(got - exact) <= 0.01 * exact


def test_relative_error_is_under_one_percent():
    assert RELATIVE_ERROR < 0.01


@given(response_times)
def test_every_value_is_within_one_percent_of_its_bucket(value):
    assert_close(bucket_value(bucket_index(value)), value)


@given(samples, fractions)
def test_percentile_is_within_one_percent_of_the_exact_rank(values, fraction):
    assert_close(build(values).percentile(fraction), exact_percentile(values, fraction))


@given(samples)
def test_percentiles_stay_within_min_and_max(values):
    histogram = build(values)
    for got in histogram.percentiles(ALL_FRACTIONS):
        assert min(values) <= got <= max(values)


@given(samples)
def test_extreme_ranks_are_exact(values):
    histogram = build(values)
    assert histogram.percentile(0.0) == min(values)
    assert histogram.percentile(1.0) == max(values)


@given(samples)
def test_percentiles_match_single_percentile_calls(values):
    histogram = build(values)
    batch = histogram.percentiles(ALL_FRACTIONS[::-1])
    assert batch == [histogram.percentile(f) for f in ALL_FRACTIONS[::-1]]


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0.5, 50), (0.6, 60), (0.95, 95), (0.99, 99), (1.0, 99), (0.0, 0)],
)
def test_locust_rank_rule_picks_position_int_n_times_p(fraction, expected):
    # Values 10% apart, so picking a neighbouring rank would be caught.
    histogram = build(1.1**v for v in range(100))
    assert_close(histogram.percentile(fraction), 1.1**expected)


@given(samples, samples)
def test_merge_equals_recording_everything_in_one(first, second):
    merged = build(first)
    merged.merge(build(second))
    assert merged == build(first + second)


@given(samples, samples)
def test_subtract_is_the_inverse_of_merge(first, second):
    earlier = build(first)
    combined = earlier.copy()
    combined.merge(build(second))
    interval = combined.subtract(earlier)
    assert dict(interval.counts) == dict(build(second).counts)
    for fraction in ALL_FRACTIONS:
        assert_close(interval.percentile(fraction), exact_percentile(second, fraction))


def test_subtract_of_nothing_new_is_empty():
    histogram = build([1.0, 2.0])
    interval = histogram.subtract(histogram.copy())
    assert interval.count == 0
    assert interval.min is None
    assert interval.max is None


def test_copy_is_independent():
    original = build([5.0])
    clone = original.copy()
    clone.record(500.0)
    assert original.count == 1
    assert original.max == 5.0


@given(st.lists(response_times, max_size=50))
def test_to_dict_round_trips_through_json(values):
    histogram = build(values)
    assert Histogram.from_dict(json.loads(json.dumps(histogram.to_dict()))) == histogram


def test_empty_histogram():
    histogram = Histogram()
    assert histogram.count == 0
    assert histogram.min is None
    assert histogram.max is None
    assert histogram.percentile(0.5) == 0.0
    assert histogram.to_dict() == {"counts": {}, "min": None, "max": None}


@pytest.mark.parametrize("value", [0.0, ZERO_THRESHOLD_MS, -3.0])
def test_tiny_and_negative_values_share_the_zero_bucket(value):
    assert bucket_index(value) == ZERO_BUCKET
    assert bucket_value(ZERO_BUCKET) == 0.0


def test_zero_bucket_percentile_is_clamped_to_the_min():
    histogram = build([0.0005, 0.0005, 10.0])
    assert histogram.percentile(0.5) == 0.0005


def test_non_finite_values_do_not_raise():
    histogram = build([math.inf, math.nan, 1.0])
    assert histogram.count == 3
    assert histogram.max == math.inf
    assert histogram.counts[ZERO_BUCKET] == 1  # NaN
    assert bucket_index(math.nan) == ZERO_BUCKET
    assert bucket_value(bucket_index(math.inf)) == math.inf


@given(st.one_of(response_times, st.sampled_from([math.inf, math.nan, -1.0, 1e-9])))
def test_record_and_bucket_index_agree(value):
    histogram = build([value])
    assert dict(histogram.counts) == {bucket_index(value): 1}


def test_record_with_count():
    histogram = Histogram()
    histogram.record(7.0, count=5)
    assert histogram.count == 5
    assert histogram.percentile(0.5) == 7.0


def test_unequal_and_unhashable():
    assert build([1.0]) != build([2.0])
    assert Histogram().__eq__(object()) is NotImplemented
    with pytest.raises(TypeError):
        hash(Histogram())


def test_repr():
    assert repr(build([1.0, 3.0])) == "Histogram(count=2, min=1.0, max=3.0)"
