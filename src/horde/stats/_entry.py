"""StatsEntry: the statistics of one endpoint (or of all of them), with Locust's names and units."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from horde.stats import _compat
from horde.stats._compat import (
    CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW,
    STATS_NAME_WIDTH,
    bucket_response_time,
)
from horde.stats._format import entry_dict, percentile_row, stats_row
from horde.stats._histogram import Histogram, bucket_index, bucket_value
from horde.stats._series import Snapshot
from horde.stats._wire import StatsEntryDict, load_entry, serialize_entry

if TYPE_CHECKING:
    from horde.stats._request_stats import RequestStats

__all__ = ["StatsEntry", "StatsEntryDict"]

# Snapshots kept for the "current" percentiles: the window plus the 8 seconds of slack
# Locust searches on either side of it.
_WINDOW_SNAPSHOTS = CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW + 10
_PRUNE_SLACK_SECONDS = 60


def _window_seconds(now_second: int) -> list[int]:
    """Seconds to look for a snapshot, in Locust's order: t-10, t-11, t-9, ... t-18, t-2."""
    target = now_second - CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW
    seconds = [target]
    for i in range(1, 9):
        seconds += [target - i, target + i]
    return seconds


def _average(values: list[int]) -> float:
    return sum(values, 0.0) / max(len(values), 1)


class StatsEntry:
    """The statistics of one ``(name, method)`` pair, or of the aggregate ("Aggregated").

    Times are float milliseconds and ratios are 0-1, as in Locust. Percentiles come from a
    :class:`~horde.stats.Histogram` (within 1%, never above the max).

    Args:
        stats: The owning :class:`RequestStats` (its total gives the run's time window), or None.
        name: The endpoint name.
        method: The request type, e.g. ``"GET"``.
        use_response_times_cache: Keep snapshots for the "current" percentiles.

    Example:
        >>> entry = StatsEntry(None, "/cart", "GET")
        >>> for ms in (12.0, 20.0, 31.5):
        ...     entry.log(ms, 512)
        >>> entry.num_requests, entry.min_response_time, entry.max_response_time
        (3, 12.0, 31.5)
        >>> round(entry.avg_response_time, 2), round(entry.median_response_time)
        (21.17, 20)
    """

    __slots__ = (
        "_now",
        "_window",
        "histogram",
        "last_request_timestamp",
        "method",
        "name",
        "num_fail_per_sec",
        "num_failures",
        "num_none_requests",
        "num_reqs_per_sec",
        "num_requests",
        "start_time",
        "stats",
        "total_content_length",
        "total_response_time",
        "use_response_times_cache",
    )

    def __init__(
        self,
        stats: RequestStats | None,
        name: str,
        method: str,
        use_response_times_cache: bool = False,
    ) -> None:
        self.stats = stats
        self.name = name
        self.method = method
        self.use_response_times_cache = use_response_times_cache
        self._now: Callable[[], float] = stats.now if stats is not None else time.time
        self._window: deque[Snapshot] = deque(maxlen=_WINDOW_SNAPSHOTS)
        self.reset()

    def reset(self) -> None:
        """Zero every figure and restart the time window at now."""
        self.start_time: float = self._now()
        self.num_requests = 0
        self.num_none_requests = 0
        self.num_failures = 0
        self.total_response_time = 0.0
        self.histogram = Histogram()
        self.last_request_timestamp: float | None = None
        self.num_reqs_per_sec: defaultdict[int, int] = defaultdict(int)
        self.num_fail_per_sec: defaultdict[int, int] = defaultdict(int)
        self.total_content_length = 0
        self._window.clear()
        self._window.append(Snapshot(self.start_time, Histogram(), 0, 0, 0, 0.0))

    # Recording -------------------------------------------------------------------------

    def log(self, response_time: float | None, content_length: int) -> None:
        """Count one request; ``response_time`` in ms, or None for an untimed request."""
        now = self._now()
        self.num_requests += 1
        self.num_reqs_per_sec[int(now)] += 1
        self.last_request_timestamp = now
        if response_time is None:
            self.num_none_requests += 1
        else:
            self.total_response_time += response_time
            self.histogram.record(response_time)
        self.total_content_length += content_length

    def log_error(self, error: BaseException | str | None) -> None:
        """Count one failure (the request itself is counted by :meth:`log`)."""
        self.num_failures += 1
        self.num_fail_per_sec[int(self._now())] += 1

    # Locust's attributes that horde derives from the histogram ---------------------------

    @property
    def min_response_time(self) -> float | None:
        """The fastest timed request, in ms; None until the first."""
        return self.histogram.min

    @min_response_time.setter
    def min_response_time(self, value: float | None) -> None:
        self.histogram.low = math.inf if value is None else value

    @property
    def max_response_time(self) -> float:
        """The slowest timed request, in ms; 0 until the first."""
        high = self.histogram.high
        return 0 if high == -math.inf else high

    @max_response_time.setter
    def max_response_time(self, value: float) -> None:
        # Locust's 0 means "nothing timed yet" unless a min says otherwise.
        empty = value == 0 and self.histogram.low == math.inf
        self.histogram.high = -math.inf if empty else value

    @property
    def response_times(self) -> dict[int, int]:
        """Locust's histogram: counts keyed by :func:`bucket_response_time` (computed)."""
        result: defaultdict[int, int] = defaultdict(int)
        low, high = self.histogram.low, self.histogram.high
        for index, count in self.histogram.counts.items():
            if count:
                value = min(max(bucket_value(index), low), high)
                result[bucket_response_time(value)] += count
        return dict(result)

    @response_times.setter
    def response_times(self, value: Mapping[Any, int]) -> None:
        # Locust buckets (from a Locust worker, say) become samples at the bucket's value.
        histogram = Histogram()
        for key, count in value.items():
            if count:
                histogram.counts[bucket_index(float(key))] += count
        keys = [float(k) for k, c in value.items() if c]
        histogram.low, histogram.high = self.histogram.low, self.histogram.high
        if keys and histogram.low == math.inf:
            histogram.low = min(keys)
        if keys and histogram.high == -math.inf:
            histogram.high = max(keys)
        self.histogram = histogram

    # Derived figures (Locust's formulas) ---------------------------------------------

    @property
    def fail_ratio(self) -> float:
        """Failures per request, 0-1 (1.0 when there are failures but no requests)."""
        if self.num_requests:
            return self.num_failures / self.num_requests
        return 1.0 if self.num_failures > 0 else 0.0

    @property
    def avg_response_time(self) -> float:
        """Mean response time of the timed requests, in ms (0.0 before any)."""
        timed = self.num_requests - self.num_none_requests
        return self.total_response_time / timed if timed else 0.0

    @property
    def median_response_time(self) -> float:
        """The 0.5 percentile, in ms (0 before any timed request)."""
        if self.num_requests == self.num_none_requests:
            return 0
        return self.histogram.percentile(0.5)

    @property
    def avg_content_length(self) -> float:
        """Mean response size in bytes (0 before any request)."""
        return self.total_content_length / self.num_requests if self.num_requests else 0

    def _run_window(self) -> tuple[float, float] | None:
        total = self.stats.total if self.stats is not None else None
        if total is None or total.last_request_timestamp is None:
            return None
        return total.start_time, total.last_request_timestamp

    def _current_per_second(self, per_second: Mapping[int, int]) -> float:
        # Locust's rule: the average over the seconds last-12 .. last-3 of the whole run.
        window = self._run_window()
        if window is None:
            return 0
        start, last = window
        first = max(int(last) - 12, int(start or 0))
        return _average([per_second.get(t, 0) for t in range(first, int(last) - 2)])

    @property
    def current_rps(self) -> float:
        """Requests per second over the last ~10 whole seconds, leaving out the last 2."""
        return self._current_per_second(self.num_reqs_per_sec)

    @property
    def current_fail_per_sec(self) -> float:
        """Failures per second over the same window as :attr:`current_rps`."""
        return self._current_per_second(self.num_fail_per_sec)

    def _per_run_second(self, count: int) -> float:
        window = self._run_window()
        if window is None or not window[0] or not window[1] or window[1] == window[0]:
            return 0.0
        return count / (window[1] - window[0])

    @property
    def total_rps(self) -> float:
        """Requests per second over the whole run (the aggregate's time window)."""
        return self._per_run_second(self.num_requests)

    @property
    def total_fail_per_sec(self) -> float:
        """Failures per second over the whole run (the aggregate's time window)."""
        return self._per_run_second(self.num_failures)

    # Percentiles ---------------------------------------------------------------------

    def get_response_time_percentile(self, percent: float) -> float:
        """Return the response time (ms) that ``percent`` (0-1) of requests finished within."""
        return self.histogram.percentile(percent)

    def current_histogram(self) -> Histogram | None:
        """Return the histogram of roughly the last 10 s, or None when there is no snapshot.

        Raises:
            ValueError: The entry keeps no snapshots (``use_response_times_cache`` is off).
        """
        if not self.use_response_times_cache:
            raise ValueError(
                "StatsEntry.use_response_times_cache must be True to compute current percentiles"
            )
        by_second = {int(snapshot.timestamp): snapshot for snapshot in self._window}
        for second in _window_seconds(int(self._now())):
            snapshot = by_second.get(second)
            if snapshot is not None:
                return self.histogram.subtract(snapshot.histogram)
        return None

    def get_current_response_time_percentile(self, percent: float) -> float | None:
        """Return a percentile over roughly the last 10 s, or None when it is not known yet."""
        histogram = self.current_histogram()
        return None if histogram is None else histogram.percentile(percent)

    def report_percentiles(self, fractions: Sequence[float], *, current: bool = False) -> list[int]:
        """Return whole-ms percentiles for tables and CSV cells (0 where unknown).

        Each is rounded to a whole ms, and never shown above the max column (``int(max)``)
        unless the max is under 1 ms: then responses that round to 1 ms show 1, as in
        Locust, not 0.
        """
        histogram = self.current_histogram() if current else self.histogram
        if histogram is None:
            return [0] * len(fractions)
        ceiling = int(self.max_response_time) or round(self.max_response_time)
        return [min(round(v), ceiling) for v in histogram.percentiles(fractions)]

    def report_median(self) -> float:
        """The median as Locust shows it: whole ms, but the exact min or max when rounding
        takes it past them."""
        median = round(self.median_response_time)
        if median > self.max_response_time:
            return self.max_response_time
        if self.min_response_time is not None and median < self.min_response_time:
            return self.min_response_time
        return median

    # Windows and series ----------------------------------------------------------------

    def snapshot(self, timestamp: float) -> tuple[Snapshot, Snapshot]:
        """Record the cumulative state at ``timestamp``; return (previous, this) snapshot."""
        previous = self._window[-1]
        current = Snapshot(
            timestamp,
            self.histogram.copy(),
            self.num_requests,
            self.num_none_requests,
            self.num_failures,
            self.total_response_time,
        )
        self._window.append(current)
        return previous, current

    def recorded_since_snapshot(self) -> bool:
        """Whether requests or failures came in after the last :meth:`snapshot`."""
        last = self._window[-1]
        return self.num_requests != last.num_requests or self.num_failures != last.num_failures

    def prune_per_second(self, oldest_second: int) -> None:
        """Forget per-second counts before ``oldest_second`` (bounds memory on long runs).

        To stay cheap when called every second, it only rebuilds a dict once its first
        (normally oldest) second is a minute past ``oldest_second``.
        """
        for name in ("num_reqs_per_sec", "num_fail_per_sec"):
            counts: defaultdict[int, int] = getattr(self, name)
            if counts and next(iter(counts)) < oldest_second - _PRUNE_SLACK_SECONDS:
                kept = {t: c for t, c in counts.items() if t >= oldest_second}
                setattr(self, name, defaultdict(int, kept))

    # Merging and the wire ----------------------------------------------------------------

    def extend(self, other: StatsEntry) -> None:
        """Add ``other``'s figures to this entry (a worker's report into the master's)."""
        if other.last_request_timestamp is not None:
            mine = self.last_request_timestamp
            latest = other.last_request_timestamp
            self.last_request_timestamp = latest if mine is None else max(mine, latest)
        self.start_time = min(self.start_time, other.start_time)
        self.num_requests += other.num_requests
        self.num_none_requests += other.num_none_requests
        self.num_failures += other.num_failures
        self.total_response_time += other.total_response_time
        self.total_content_length += other.total_content_length
        self.histogram.merge(other.histogram)
        for mine_counts, theirs in (
            (self.num_reqs_per_sec, other.num_reqs_per_sec),
            (self.num_fail_per_sec, other.num_fail_per_sec),
        ):
            for second, count in theirs.items():
                mine_counts[second] += count

    def serialize(self, *, include_histogram: bool = True) -> StatsEntryDict:
        """Return Locust's wire form; horde adds the exact ``histogram`` unless told not to."""
        return serialize_entry(self, include_histogram=include_histogram)

    @classmethod
    def unserialize(
        cls, data: StatsEntryDict | Mapping[str, Any], stats: RequestStats | None = None
    ) -> StatsEntry:
        """Rebuild an entry from :meth:`serialize` output, or from a Locust worker's."""
        entry = cls(stats, data["name"], data["method"])
        load_entry(entry, data)
        return entry

    def get_stripped_report(self, *, include_histogram: bool = True) -> StatsEntryDict:
        """Return :meth:`serialize` output, then reset the entry."""
        report = self.serialize(include_histogram=include_histogram)
        self.reset()
        return report

    # Presentation --------------------------------------------------------------------

    def to_dict(
        self, escape_string_values: bool = False, percentiles: Sequence[float] | None = None
    ) -> dict[str, Any]:
        """Return the web/report row (Locust's keys), e.g. ``response_time_percentile_0.95``."""
        wanted = _compat.PERCENTILES_TO_STATISTICS if percentiles is None else percentiles
        return entry_dict(self, escape_string_values=escape_string_values, percentiles=wanted)

    def to_string(self, current: bool = True, *, name_width: int = STATS_NAME_WIDTH) -> str:
        """Return this entry's row of the console stats table (current or whole-run rates)."""
        return stats_row(self, current=current, name_width=name_width)

    def __str__(self) -> str:
        return self.to_string(current=True)

    def percentile(
        self, percentiles: Sequence[float] | None = None, *, name_width: int = STATS_NAME_WIDTH
    ) -> str:
        """Return this entry's row of the console percentile table.

        Raises:
            ValueError: The entry has no requests.
        """
        if not self.num_requests:
            raise ValueError("Can't calculate percentile on url with no successful requests")
        wanted = _compat.PERCENTILES_TO_REPORT if percentiles is None else percentiles
        return percentile_row(self, wanted, name_width=name_width)

    def __repr__(self) -> str:
        return f"<StatsEntry {self.method} {self.name!r} requests={self.num_requests}>"
