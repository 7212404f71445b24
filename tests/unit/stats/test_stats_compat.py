import pytest

from horde.stats import (
    PERCENTILES_TO_REPORT,
    bucket_response_time,
    calculate_response_time_percentile,
    diff_response_time_dicts,
    format_utc_timestamp,
    get_readable_percentiles,
    name_width_for_terminal,
    proper_round,
)


def test_readable_percentiles():
    assert get_readable_percentiles(PERCENTILES_TO_REPORT) == [
        "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("response_time", "bucket"),
    [
        (1.4, 1), (1.5, 2), (2.5, 2), (99.9, 100), (147, 150), (3432, 3400),
        (9999, 10000), (58760, 59000),
    ],
)  # fmt: skip
def test_bucket_response_time_rounds_like_locust(response_time, bucket):
    assert bucket_response_time(response_time) == bucket


@pytest.mark.parametrize(("percent", "expected"), [(0.5, 50), (0.6, 60), (0.95, 95), (1.0, 99)])
def test_calculate_response_time_percentile(percent, expected):
    histogram = dict.fromkeys(range(100), 1)
    assert calculate_response_time_percentile(histogram, 100, percent) == expected


def test_calculate_response_time_percentile_of_nothing():
    assert calculate_response_time_percentile({}, 0, 0.5) == 0


def test_diff_response_time_dicts():
    assert diff_response_time_dicts({1: 5, 2: 3, 3: 1}, {1: 5, 2: 1}) == {2: 2, 3: 1}


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(2.5, 0, 3.0), (20.45, 0, 20.0), (0.125, 2, 0.13), (7, 0, 7.0)],
)
def test_proper_round_rounds_half_up(value, digits, expected):
    assert proper_round(value, digits) == expected


@pytest.mark.parametrize(("columns", "width"), [(80, 0), (50, 0), (120, 40), (200, 80)])
def test_name_width_for_terminal(columns, width):
    assert name_width_for_terminal(columns) == width


def test_format_utc_timestamp():
    assert format_utc_timestamp(1_795_832_189.9) == "2026-11-28T02:16:29Z"
