"""Statistics: pure data, no I/O and no timers.

:class:`RequestStats` holds one :class:`StatsEntry` per ``(name, method)`` plus the
aggregate, with Locust's attribute names and units (ms floats, 0-1 ratios), so locustfiles
and plugins can read them unchanged. Percentiles come from a mergeable log-bucketed
:class:`Histogram` accurate to 1%. Each second the runner calls :meth:`RequestStats.tick`,
which appends a :class:`Sample` per endpoint to its :class:`TimeSeries`.

Example:
    >>> stats = RequestStats()
    >>> stats.record("GET", "/", 12.0, 100, None)
    >>> stats.total.num_requests
    1
"""

from horde.stats._compat import (
    CONSOLE_STATS_INTERVAL_SEC,
    CSV_STATS_FLUSH_INTERVAL_SEC,
    CSV_STATS_INTERVAL_SEC,
    CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW,
    HISTORY_STATS_INTERVAL_SEC,
    PERCENTILES_TO_CHART,
    PERCENTILES_TO_REPORT,
    PERCENTILES_TO_STATISTICS,
    STATS_NAME_WIDTH,
    STATS_TYPE_WIDTH,
    bucket_response_time,
    calculate_response_time_percentile,
    diff_response_time_dicts,
    format_utc_timestamp,
    get_readable_percentiles,
    name_width_for_terminal,
    proper_round,
)
from horde.stats._entry import StatsEntry
from horde.stats._errors import ExceptionLog, ExceptionRecord, StatsError, StatsErrorDict
from horde.stats._histogram import RELATIVE_ERROR, Histogram
from horde.stats._request_stats import RequestStats
from horde.stats._series import Sample, TimeSeries
from horde.stats._wire import StatsEntryDict

__all__ = [
    "CONSOLE_STATS_INTERVAL_SEC",
    "CSV_STATS_FLUSH_INTERVAL_SEC",
    "CSV_STATS_INTERVAL_SEC",
    "CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW",
    "HISTORY_STATS_INTERVAL_SEC",
    "PERCENTILES_TO_CHART",
    "PERCENTILES_TO_REPORT",
    "PERCENTILES_TO_STATISTICS",
    "RELATIVE_ERROR",
    "STATS_NAME_WIDTH",
    "STATS_TYPE_WIDTH",
    "ExceptionLog",
    "ExceptionRecord",
    "Histogram",
    "RequestStats",
    "Sample",
    "StatsEntry",
    "StatsEntryDict",
    "StatsError",
    "StatsErrorDict",
    "TimeSeries",
    "bucket_response_time",
    "calculate_response_time_percentile",
    "diff_response_time_dicts",
    "format_utc_timestamp",
    "get_readable_percentiles",
    "name_width_for_terminal",
    "proper_round",
]
