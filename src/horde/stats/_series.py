"""The per-second time series: one immutable :class:`Sample` per endpoint per tick.

Samples are stored column by column in typed arrays (about 120 bytes per sample), so a
ten-hour run with twenty endpoints keeps well under 100 MB of history.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, overload

from horde.stats._histogram import Histogram

__all__ = ["Sample", "Snapshot", "TimeSeries", "build_sample", "with_latency_of"]

_INTERVAL_PERCENTILES = (0.5, 0.95, 0.99)


@dataclass(frozen=True, slots=True)
class Sample:
    """What happened to one endpoint (or the aggregate) between two ticks.

    Latencies are in milliseconds and cover only the interval; they are None when the
    interval had no timed request. The ``total_`` figures are cumulative since the last
    reset.

    Attributes:
        timestamp: Epoch seconds of the tick that closed the interval.
        user_count: Running users at that tick.
        requests: Requests logged in the interval.
        failures: Failures logged in the interval.
        rps: ``requests`` divided by the interval's length.
        fail_per_sec: ``failures`` divided by the interval's length.
        p50: Median response time of the interval.
        p95: 95th percentile of the interval.
        p99: 99th percentile of the interval.
        max: Largest response time of the interval (within 1%).
        avg: Mean response time of the interval.
        total_requests: Requests since the last reset.
        total_failures: Failures since the last reset.
        total_avg: Mean response time since the last reset (0.0 before any).
    """

    timestamp: float
    user_count: int
    requests: int
    failures: int
    rps: float
    fail_per_sec: float
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None
    avg: float | None
    total_requests: int
    total_failures: int
    total_avg: float


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The cumulative state of one entry at one instant; intervals are differences of two."""

    timestamp: float
    histogram: Histogram
    num_requests: int
    num_none_requests: int
    num_failures: int
    total_response_time: float


def build_sample(previous: Snapshot, current: Snapshot, user_count: int, elapsed: float) -> Sample:
    """Return the :class:`Sample` of the interval from ``previous`` to ``current``.

    Args:
        previous: The earlier snapshot (an empty one right after a reset).
        current: The snapshot taken at this tick.
        user_count: Running users.
        elapsed: The interval's length in seconds; rates use 1 s when it is not positive.
    """
    requests = current.num_requests - previous.num_requests
    failures = current.num_failures - previous.num_failures
    timed = requests - (current.num_none_requests - previous.num_none_requests)
    seconds = elapsed if elapsed > 0 else 1.0
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    high: float | None = None
    avg: float | None = None
    if timed > 0:
        interval = current.histogram.subtract(previous.histogram)
        p50, p95, p99 = interval.percentiles(_INTERVAL_PERCENTILES)
        high = interval.max
        avg = (current.total_response_time - previous.total_response_time) / timed
    total_timed = current.num_requests - current.num_none_requests
    return Sample(
        timestamp=current.timestamp,
        user_count=user_count,
        requests=requests,
        failures=failures,
        rps=requests / seconds,
        fail_per_sec=failures / seconds,
        p50=p50,
        p95=p95,
        p99=p99,
        max=high,
        avg=avg,
        total_requests=current.num_requests,
        total_failures=current.num_failures,
        total_avg=current.total_response_time / total_timed if total_timed else 0.0,
    )


# Typecodes of the columns, in Sample's field order; NaN stands for None in "d" columns.
_TYPECODES = {
    "timestamp": "d",
    "user_count": "q",
    "requests": "q",
    "failures": "q",
    "rps": "d",
    "fail_per_sec": "d",
    "p50": "d",
    "p95": "d",
    "p99": "d",
    "max": "d",
    "avg": "d",
    "total_requests": "q",
    "total_failures": "q",
    "total_avg": "d",
}
_OPTIONAL = frozenset({"p50", "p95", "p99", "max", "avg"})


def with_latency_of(sample: Sample, previous: Histogram, current: Histogram) -> Sample:
    """``sample`` with the percentiles of other response times over its interval.

    The open model's corrected series: the same counts and rates, with the latency from
    each request's scheduled start (``current`` minus ``previous``, cumulative histograms
    at the two ticks). The average is left out: the histograms do not keep one.
    """
    interval = current.subtract(previous)
    if not interval.count:
        return replace(sample, p50=None, p95=None, p99=None, max=None, avg=None)
    p50, p95, p99 = interval.percentiles(_INTERVAL_PERCENTILES)
    return replace(sample, p50=p50, p95=p95, p99=p99, max=interval.max, avg=None)


class TimeSeries(Sequence[Sample]):
    """An append-only sequence of :class:`Sample` for one endpoint, stored by column.

    Example:
        >>> series = TimeSeries("/cart", "GET")
        >>> series.append(Sample(1.0, 5, 10, 0, 10.0, 0.0, 3.0, 9.0, 9.5, 9.7, 4.0, 10, 0, 4.0))
        >>> len(series), series[0].p95, series.column("rps")
        (1, 9.0, [10.0])
    """

    __slots__ = ("_columns", "method", "name")

    def __init__(self, name: str, method: str) -> None:
        self.name = name
        self.method = method
        self._columns: dict[str, array[Any]] = {f: array(c) for f, c in _TYPECODES.items()}

    def append(self, sample: Sample) -> None:
        """Add ``sample`` at the end."""
        for field, column in self._columns.items():
            value = getattr(sample, field)
            column.append(math.nan if value is None else value)

    def column(self, field: str) -> list[Any]:
        """Return one field of every sample, in order, e.g. ``column("p95")``.

        Raises:
            KeyError: ``field`` is not a :class:`Sample` field.
        """
        values = self._columns[field].tolist()
        if field in _OPTIONAL:
            return [None if math.isnan(v) else v for v in values]
        return values

    def __len__(self) -> int:
        return len(self._columns["timestamp"])

    @overload
    def __getitem__(self, index: int) -> Sample: ...

    @overload
    def __getitem__(self, index: slice) -> list[Sample]: ...

    def __getitem__(self, index: int | slice) -> Sample | list[Sample]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("TimeSeries index out of range")
        values: list[Any] = []
        for field, column in self._columns.items():
            value = column[index]
            values.append(None if field in _OPTIONAL and math.isnan(value) else value)
        return Sample(*values)

    def __iter__(self) -> Iterator[Sample]:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        return f"TimeSeries({self.name!r}, {self.method!r}, samples={len(self)})"
