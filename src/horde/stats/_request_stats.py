"""RequestStats: every endpoint's statistics, the aggregate, the errors, and the time series."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from horde.stats import _compat
from horde.stats._compat import format_utc_timestamp, proper_round
from horde.stats._entry import StatsEntry
from horde.stats._errors import StatsError, StatsErrorDict
from horde.stats._histogram import (
    GAMMA,
    ZERO_BUCKET,
    ZERO_THRESHOLD_MS,
    Histogram,
    bucket_index,
)
from horde.stats._series import Sample, TimeSeries, build_sample, with_latency_of
from horde.stats._wire import StatsEntryDict

__all__ = ["CORRECTED_KEY", "RequestStats"]

# The hot path inlines bucket_index(); these must compute exactly what it computes.
_SCALE = 1 / math.log(GAMMA)
_log = math.log
_floor = math.floor

Key = tuple[str, str]
_ERROR_KEY_CACHE_SIZE = 10_000
#: The key of a worker report's corrected response times (horde's own; Locust has none).
CORRECTED_KEY = "horde_corrected"


class _Entries(dict[Key, StatsEntry]):
    """``entries``: keyed by ``(name, method)``; a missing entry is created on first access."""

    def __init__(self, stats: RequestStats) -> None:
        super().__init__()
        self._stats = stats

    def __missing__(self, key: Key) -> StatsEntry:
        stats = self._stats
        entry = StatsEntry(stats, key[0], key[1], stats.use_response_times_cache)
        self[key] = entry
        return entry


class RequestStats:
    """The statistics of a run: one :class:`StatsEntry` per ``(name, method)`` plus ``total``.

    Args:
        use_response_times_cache: Keep the snapshots behind the "current" percentiles.
        now: The wall clock, in epoch seconds (tests pass a fake one).
        per_second_retention: When set, :meth:`tick` forgets per-second request counts older
            than this many seconds (the time series keeps the history); None keeps all, as
            Locust does.

    Example:
        >>> stats = RequestStats(now=lambda: 100.0)
        >>> stats.record("GET", "/cart", 12.5, 310, None)
        >>> stats.record("GET", "/cart", 30.0, 0, ConnectionError("refused"))
        >>> stats.total.num_requests, stats.get("/cart", "GET").num_failures
        (2, 1)
        >>> sample = stats.tick(101.0, user_count=4)  # once a second
        >>> sample.requests, sample.failures, sample.rps
        (2, 1, 2.0)
        >>> stats.total_series.column("rps")
        [2.0]
    """

    def __init__(
        self,
        use_response_times_cache: bool = True,
        *,
        now: Callable[[], float] = time.time,
        per_second_retention: int | None = None,
    ) -> None:
        self.use_response_times_cache = use_response_times_cache
        self.now = now
        self.per_second_retention = per_second_retention
        self.history: list[dict[str, Any]] = []
        self.errors: dict[str, StatsError] = {}
        self._error_keys: dict[tuple[str, str, str], str] = {}
        self.clear_all()

    # Locust's proxies for the aggregate ----------------------------------------------------

    @property
    def num_requests(self) -> int:
        """Requests in the aggregate."""
        return self.total.num_requests

    @property
    def num_none_requests(self) -> int:
        """Untimed requests in the aggregate."""
        return self.total.num_none_requests

    @property
    def num_failures(self) -> int:
        """Failures in the aggregate."""
        return self.total.num_failures

    @property
    def last_request_timestamp(self) -> float | None:
        """Epoch seconds of the latest request."""
        return self.total.last_request_timestamp

    @property
    def start_time(self) -> float:
        """Epoch seconds when the statistics were last cleared or reset."""
        return self.total.start_time

    # Recording -----------------------------------------------------------------------

    def record(
        self,
        request_type: str,
        name: str,
        response_time: float | None,
        response_length: int,
        exception: BaseException | str | None,
    ) -> None:
        """Count one request, and its failure when ``exception`` is not None.

        This is the :data:`horde.event.RequestSink` the runner installs; it does what
        :meth:`log_request` and :meth:`log_error` do, inlined for speed.
        """
        now = self.now()
        second = int(now)
        entry = self.entries.get((name, request_type))
        if entry is None:
            entry = self.entries[(name, request_type)]
        total = self.total
        entry.num_requests += 1
        total.num_requests += 1
        entry.num_reqs_per_sec[second] += 1
        total.num_reqs_per_sec[second] += 1
        entry.last_request_timestamp = now
        total.last_request_timestamp = now
        if response_time is None:
            entry.num_none_requests += 1
            total.num_none_requests += 1
        else:
            entry.total_response_time += response_time
            total.total_response_time += response_time
            if response_time > ZERO_THRESHOLD_MS:
                try:
                    index = _floor(_log(response_time) * _SCALE)
                except OverflowError:  # infinity
                    index = bucket_index(response_time)
            else:
                index = ZERO_BUCKET
            # Unrolled for both histograms, with plain comparisons instead of min()/max():
            # this is the hottest code in horde.
            histogram = entry.histogram
            histogram.counts[index] += 1
            if response_time < histogram.low:  # noqa: PLR1730
                histogram.low = response_time
            if response_time > histogram.high:  # noqa: PLR1730
                histogram.high = response_time
            histogram = total.histogram
            histogram.counts[index] += 1
            if response_time < histogram.low:  # noqa: PLR1730
                histogram.low = response_time
            if response_time > histogram.high:  # noqa: PLR1730
                histogram.high = response_time
        if response_length:
            entry.total_content_length += response_length
            total.total_content_length += response_length
        if exception is not None:
            self._log_failure(entry, request_type, name, exception, now)

    def record_corrected(self, request_type: str, name: str, response_time: float) -> None:
        """Count one response time corrected for coordinated omission (the open model).

        It is measured from when the request should have been sent, by the schedule,
        rather than from when it was: see :attr:`corrected`.
        """
        histogram = self.corrected.get((name, request_type))
        if histogram is None:
            histogram = self.corrected[(name, request_type)] = Histogram()
        histogram.record(response_time)
        self.corrected_total.record(response_time)

    def log_request(
        self, method: str, name: str, response_time: float | None, content_length: int
    ) -> None:
        """Count one request on its entry and on the aggregate (Locust's API)."""
        self.total.log(response_time, content_length)
        self.entries[(name, method)].log(response_time, content_length)

    def log_error(self, method: str, name: str, error: BaseException | str | None) -> None:
        """Count one failure on its entry, the aggregate and the errors (Locust's API)."""
        self._log_failure(self.entries[(name, method)], method, name, error, self.now())

    def _log_failure(
        self,
        entry: StatsEntry,
        method: str,
        name: str,
        error: BaseException | str | None,
        now: float,
    ) -> None:
        second = int(now)
        entry.num_failures += 1
        entry.num_fail_per_sec[second] += 1
        self.total.num_failures += 1
        self.total.num_fail_per_sec[second] += 1
        key = self._error_key(method, name, error)
        stats_error = self.errors.get(key)
        if stats_error is None:
            stats_error = self.errors[key] = StatsError(method, name, error)
        stats_error.occurred(now)

    def _error_key(self, method: str, name: str, error: BaseException | str | None) -> str:
        # Failure storms repeat one error: remember its sha256 key by its text.
        text = error if isinstance(error, str) else repr(error)
        cache_key = (method, name, text)
        key = self._error_keys.get(cache_key)
        if key is None:
            if len(self._error_keys) >= _ERROR_KEY_CACHE_SIZE:
                self._error_keys.clear()
            key = self._error_keys[cache_key] = StatsError.create_key(method, name, error)
        return key

    def get(self, name: str, method: str) -> StatsEntry:
        """Return the entry of ``(name, method)``, creating it if needed."""
        return self.entries[(name, method)]

    # Resetting -----------------------------------------------------------------------

    def reset_all(self) -> None:
        """Zero every entry and forget the errors; entries and time series are kept."""
        self.total.reset()
        self.errors = {}
        for entry in self.entries.values():
            entry.reset()
        self._clear_corrected()
        self.history = []
        self._last_tick = self.total.start_time

    def clear_all(self) -> None:
        """Start afresh: new aggregate, no entries, no errors, no time series (test start)."""
        self.total = StatsEntry(self, "Aggregated", "", self.use_response_times_cache)
        self.entries: dict[Key, StatsEntry] = _Entries(self)
        self.errors = {}
        self.history = []
        self.total_series = TimeSeries("Aggregated", "")
        self._series: dict[Key, TimeSeries] = {}
        self.corrected_series: dict[Key | None, TimeSeries] = {}
        """The open model's series with corrected latency, by key (None: the aggregate)."""
        self._last_tick = self.total.start_time
        self._clear_corrected()

    def _clear_corrected(self) -> None:
        self.corrected: dict[Key, Histogram] = {}
        """Response times from the scheduled start, keyed like :attr:`entries`; only the
        open model records them (empty otherwise)."""
        self.corrected_total = Histogram()
        """The aggregate of :attr:`corrected`."""
        self._corrected_marks: dict[Key | None, Histogram] = {}

    # The per-second series -------------------------------------------------------------

    def tick(self, timestamp: float, user_count: int, *, covers: float | None = None) -> Sample:
        """Close the interval since the previous tick; call it once a second.

        It appends one :class:`Sample` per entry and one for the aggregate, and keeps the
        snapshots behind the "current" percentiles.

        Args:
            timestamp: Epoch seconds, from the same clock as ``now``.
            user_count: Users running at this moment.
            covers: The seconds the interval's requests were made over, when that is not
                the time since the last tick (a master's last sample holds its workers'
                final reports, each about a report interval long).

        Returns:
            The aggregate's sample.
        """
        elapsed = timestamp - self._last_tick if covers is None else covers
        self._last_tick = timestamp
        for key, entry in self.entries.items():
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = TimeSeries(entry.name, entry.method)
            sample = build_sample(*entry.snapshot(timestamp), user_count, elapsed)
            series.append(sample)
            corrected = self.corrected.get(key)
            # Once a corrected series exists it gets every tick (a reset empties the
            # histograms), so that it lines up with the measured one sample for sample.
            if corrected is not None or key in self.corrected_series:
                self._tick_corrected(key, corrected or Histogram(), sample)
        sample = build_sample(*self.total.snapshot(timestamp), user_count, elapsed)
        self.total_series.append(sample)
        if self.corrected or None in self.corrected_series:
            self._tick_corrected(None, self.corrected_total, sample)
        if self.per_second_retention is not None:
            oldest = int(timestamp) - self.per_second_retention
            for entry in (self.total, *self.entries.values()):
                entry.prune_per_second(oldest)
        return sample

    def _tick_corrected(self, key: Key | None, histogram: Histogram, sample: Sample) -> None:
        """Append the corrected twin of ``sample`` (``key`` None for the aggregate)."""
        series = self.corrected_series.get(key)
        if series is None:
            measured = self.total_series if key is None else self._series[key]
            series = self.corrected_series[key] = TimeSeries(measured.name, measured.method)
            # The seconds before the first corrected time have none to show; they are
            # there, so that the two series line up sample for sample.
            empty = Histogram()
            for earlier in measured[:-1]:
                series.append(with_latency_of(earlier, empty, empty))
        previous = self._corrected_marks.get(key) or Histogram()
        current = self._corrected_marks[key] = histogram.copy()
        series.append(with_latency_of(sample, previous, current))

    @property
    def last_tick(self) -> float:
        """When the last :meth:`tick` closed a sample (the start, before the first)."""
        return self._last_tick

    def series(self, name: str, method: str) -> TimeSeries:
        """Return the per-second series of ``(name, method)`` (empty before its first tick)."""
        series = self._series.get((name, method))
        return TimeSeries(name, method) if series is None else series

    @property
    def all_series(self) -> dict[Key, TimeSeries]:
        """Every endpoint's series, keyed by ``(name, method)`` (the aggregate is separate)."""
        return dict(self._series)

    # The wire ------------------------------------------------------------------------

    def serialize_stats(self, *, include_histogram: bool = True) -> list[StatsEntryDict]:
        """Return, then reset, every entry that has requests or failures, in creation order.

        Args:
            include_histogram: Add horde's exact histogram (for the wire); leave it out for
                Locust's ``--json`` output.
        """
        return [
            entry.get_stripped_report(include_histogram=include_histogram)
            for entry in self.entries.values()
            if entry.num_requests or entry.num_failures
        ]

    def serialize_errors(self) -> dict[str, StatsErrorDict]:
        """Return every error's wire form, keyed by error key."""
        return {key: error.serialize() for key, error in self.errors.items()}

    def report_to_master(self) -> dict[str, Any]:
        """Return a worker's periodic report (Locust's keys) and start a fresh interval.

        The entries, the aggregate and the errors are reset, so each report is a delta.
        The open model's corrected response times travel under :data:`CORRECTED_KEY`.
        """
        report: dict[str, Any] = {
            "stats": self.serialize_stats(),
            "stats_total": self.total.get_stripped_report(),
            "errors": self.serialize_errors(),
        }
        self.errors = {}
        if self.corrected:
            report[CORRECTED_KEY] = [
                {"name": name, "method": method, "histogram": histogram.to_dict()}
                for (name, method), histogram in self.corrected.items()
            ]
            self._clear_corrected()
        return report

    def merge_worker_report(self, data: Mapping[str, Any]) -> None:
        """Add a worker's report (horde's or a Locust worker's) to these statistics.

        Entries and the aggregate are extended (histograms merge exactly); errors add up
        their occurrences and keep the earliest first and latest last sighting.
        """
        for entry_data in data.get("stats", ()):
            entry = StatsEntry.unserialize(entry_data)
            self.entries[(entry.name, entry.method)].extend(entry)
        for key, error_data in data.get("errors", {}).items():
            error = StatsError.unserialize(error_data)
            if key in self.errors:
                self.errors[key].merge(error)
            else:
                self.errors[key] = error
        if data.get("stats_total") is not None:
            self.total.extend(StatsEntry.unserialize(data["stats_total"]))
        for corrected in data.get(CORRECTED_KEY, ()):
            histogram = Histogram.from_dict(corrected["histogram"])
            key = (corrected["name"], corrected["method"])
            self.corrected.setdefault(key, Histogram()).merge(histogram)
            self.corrected_total.merge(histogram)

    def update_history(
        self,
        user_count: int,
        timestamp: float | None = None,
        percentiles: Sequence[float] | None = None,
    ) -> dict[str, Any]:
        """Append a point of Locust's chart history (``stats.history``) and return it.

        Args:
            user_count: Users running now.
            timestamp: Epoch seconds; ``now()`` when None.
            percentiles: Current percentiles to chart; ``PERCENTILES_TO_CHART`` when None.
        """
        total = self.total
        when = format_utc_timestamp(self.now() if timestamp is None else timestamp)
        wanted = _compat.PERCENTILES_TO_CHART if percentiles is None else percentiles
        point: dict[str, Any] = {
            f"response_time_percentile_{p}": [
                when,
                total.get_current_response_time_percentile(p) or 0,
            ]
            for p in wanted
        }
        point["current_rps"] = [when, total.current_rps or 0]
        point["current_fail_per_sec"] = [when, total.current_fail_per_sec or 0]
        point["total_avg_response_time"] = [when, proper_round(total.avg_response_time, 2)]
        point["user_count"] = [when, user_count or 0]
        point["time"] = when
        self.history.append(point)
        return point
