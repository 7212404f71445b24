"""A mergeable, log-bucketed histogram of response times with a bounded relative error.

Each value ``v`` (milliseconds) above :data:`ZERO_THRESHOLD_MS` falls in bucket
``floor(log(v) / log(GAMMA))``. Bucket ``i`` holds ``[GAMMA**i, GAMMA**(i + 1))`` and is
represented by ``2 * GAMMA**(i + 1) / (GAMMA + 1)``, which is within :data:`RELATIVE_ERROR`
of every value in the bucket. Values at or below the threshold share one zero bucket.

Because buckets are fixed, merging two histograms is exact: the percentiles of a merged
histogram are the percentiles a single recorder would have reported.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "GAMMA",
    "RELATIVE_ERROR",
    "ZERO_BUCKET",
    "ZERO_THRESHOLD_MS",
    "Histogram",
    "bucket_index",
    "bucket_value",
]

RELATIVE_ERROR = 0.0099
"""Largest relative distance between a recorded value and its bucket's representative.

Slightly under 1% so that floating-point rounding at bucket edges stays within 1%."""

GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
"""Ratio between the bounds of consecutive buckets."""

ZERO_THRESHOLD_MS = 0.001
"""Values at or below this (one microsecond) are counted in the zero bucket."""

ZERO_BUCKET = -(1 << 30)
"""Index of the zero bucket; far below any real bucket index."""

_INFINITE_BUCKET = 1 << 30
_SCALE = 1 / math.log(GAMMA)
_log = math.log
_floor = math.floor


def bucket_index(value_ms: float) -> int:
    """Return the index of the bucket that counts ``value_ms``.

    Example:
        >>> round(bucket_value(bucket_index(100.0)), 2)
        99.84
    """
    if not value_ms > ZERO_THRESHOLD_MS:  # also NaN
        return ZERO_BUCKET
    try:
        return _floor(_log(value_ms) * _SCALE)
    except OverflowError:  # infinity: count it, far above the rest
        return _INFINITE_BUCKET


def bucket_value(index: int) -> float:
    """Return the representative value, in ms, of bucket ``index``."""
    if index == ZERO_BUCKET:
        return 0.0
    if index >= _INFINITE_BUCKET:
        return math.inf
    return 2 * GAMMA ** (index + 1) / (GAMMA + 1)


class Histogram:
    """Counts of response times in logarithmic buckets, plus the exact min and max.

    Percentiles use Locust's rank rule, the value at 0-based position
    ``min(int(n * p), n - 1)`` of the sorted samples, and are within 1% of it. They are
    clamped to ``[min, max]`` (so a p99 never exceeds the max), and the 0th and last
    positions are the exact min and max.

    Attributes:
        counts: Bucket index to count. The statistics recorder increments it directly.
        low: The smallest value recorded, ``inf`` when empty (see :attr:`min`).
        high: The largest value recorded, ``-inf`` when empty (see :attr:`max`).

    Example:
        >>> h = Histogram()
        >>> for v in (10.0, 20.0, 30.0, 40.0):
        ...     h.record(v)
        >>> h.count, h.min, h.max
        (4, 10.0, 40.0)
        >>> round(h.percentile(0.5))
        30
    """

    __slots__ = ("counts", "high", "low")

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self) -> None:
        self.counts: defaultdict[int, int] = defaultdict(int)
        self.low = math.inf
        self.high = -math.inf

    def record(self, value_ms: float, count: int = 1) -> None:
        """Count ``value_ms`` (``count`` times)."""
        # bucket_index() inlined, and comparisons instead of min()/max(): this is hot.
        if value_ms > ZERO_THRESHOLD_MS:
            try:
                self.counts[_floor(_log(value_ms) * _SCALE)] += count
            except OverflowError:
                self.counts[_INFINITE_BUCKET] += count
        else:
            self.counts[ZERO_BUCKET] += count
        if value_ms < self.low:  # noqa: PLR1730
            self.low = value_ms
        if value_ms > self.high:  # noqa: PLR1730
            self.high = value_ms

    @property
    def count(self) -> int:
        """How many values were recorded."""
        return sum(self.counts.values())

    @property
    def min(self) -> float | None:
        """The smallest value recorded, or None when empty."""
        return None if self.low == math.inf else self.low

    @property
    def max(self) -> float | None:
        """The largest value recorded, or None when empty."""
        return None if self.high == -math.inf else self.high

    def percentile(self, fraction: float) -> float:
        """Return the value below which ``fraction`` (0-1) of the samples fall, or 0.0 if empty."""
        return self.percentiles((fraction,))[0]

    def percentiles(self, fractions: Iterable[float]) -> list[float]:
        """Return several percentiles in one pass; 0.0 for each when empty."""
        wanted = list(fractions)
        items = sorted((k, c) for k, c in self.counts.items() if c > 0)
        total = sum(c for _, c in items)
        if total == 0:
            return [0.0] * len(wanted)
        order = sorted(range(len(wanted)), key=lambda i: wanted[i])
        results = [0.0] * len(wanted)
        position = 0
        seen = items[0][1]
        for i in order:
            rank = min(int(total * wanted[i]), total - 1)
            while seen <= rank:
                position += 1
                seen += items[position][1]
            results[i] = self._value_at(rank, total, items[position][0])
        return results

    def _value_at(self, rank: int, total: int, index: int) -> float:
        # The extreme ranks are the exact min and max; anything else is its bucket's
        # representative, clamped so it never leaves the recorded range.
        if rank == 0 and self.low != math.inf:
            return self.low
        if rank == total - 1 and self.high != -math.inf:
            return self.high
        return min(max(bucket_value(index), self.low), self.high)

    def merge(self, other: Histogram) -> None:
        """Add every count of ``other`` to this histogram."""
        counts = self.counts
        for index, count in other.counts.items():
            if count:
                counts[index] += count
        self.low = min(self.low, other.low)
        self.high = max(self.high, other.high)

    def copy(self) -> Histogram:
        """Return an independent copy."""
        clone = Histogram()
        clone.counts = defaultdict(int, self.counts)
        clone.low = self.low
        clone.high = self.high
        return clone

    def subtract(self, earlier: Histogram) -> Histogram:
        """Return what was recorded since ``earlier``, a copy taken from this histogram.

        The counts are exact. The min and max of the difference are not known exactly; they
        are the representatives of its lowest and highest buckets, clamped to this
        histogram's range, so they are within 1% too.
        """
        diff = Histogram()
        old = earlier.counts
        for index, count in self.counts.items():
            remaining = count - old.get(index, 0)
            if remaining > 0:
                diff.counts[index] = remaining
        if diff.counts:
            diff.low = self._clamp(bucket_value(min(diff.counts)))
            diff.high = self._clamp(bucket_value(max(diff.counts)))
        return diff

    def _clamp(self, value: float) -> float:
        return min(max(value, self.low), self.high)

    def to_dict(self) -> dict[str, Any]:
        """Return a msgpack- and JSON-friendly form (see :meth:`from_dict`).

        Example:
            >>> h = Histogram()
            >>> h.record(5.0)
            >>> Histogram.from_dict(h.to_dict()) == h
            True
        """
        return {
            "counts": {index: count for index, count in self.counts.items() if count},
            "min": self.min,
            "max": self.max,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Histogram:
        """Rebuild a histogram from :meth:`to_dict` output (JSON string keys are accepted)."""
        histogram = cls()
        for index, count in data.get("counts", {}).items():
            if count:
                histogram.counts[int(index)] += int(count)
        if data.get("min") is not None:
            histogram.low = float(data["min"])
        if data.get("max") is not None:
            histogram.high = float(data["max"])
        return histogram

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Histogram):
            return NotImplemented
        mine = {k: c for k, c in self.counts.items() if c}
        theirs = {k: c for k, c in other.counts.items() if c}
        return mine == theirs and self.low == other.low and self.high == other.high

    def __repr__(self) -> str:
        return f"Histogram(count={self.count}, min={self.min}, max={self.max})"
