from dataclasses import FrozenInstanceError, fields

import pytest

from horde.stats import Sample, TimeSeries
from horde.stats._series import _TYPECODES


def make(timestamp, p50=None):
    return Sample(timestamp, 3, 10, 1, 10.0, 1.0, p50, p50, p50, p50, p50, 100, 5, 12.5)


def test_columns_follow_the_sample_fields():
    assert list(_TYPECODES) == [f.name for f in fields(Sample)]


def test_samples_are_frozen():
    with pytest.raises(FrozenInstanceError):
        make(1.0).requests = 3  # type: ignore[misc]


def test_append_and_read_back_including_none():
    series = TimeSeries("/", "GET")
    series.append(make(1.0, 4.5))
    series.append(make(2.0))
    assert len(series) == 2
    assert series[0] == make(1.0, 4.5)
    assert series[-1] == make(2.0)
    assert series[1:] == [make(2.0)]
    assert list(series) == [make(1.0, 4.5), make(2.0)]
    assert series.column("p95") == [4.5, None]
    assert series.column("requests") == [10, 10]


def test_index_errors():
    series = TimeSeries("/", "GET")
    with pytest.raises(IndexError):
        series[0]
    with pytest.raises(KeyError):
        series.column("nope")


def test_repr():
    assert repr(TimeSeries("/", "GET")) == "TimeSeries('/', 'GET', samples=0)"
