"""Locust's statistics constants and helper functions, with Locust's names and behaviour.

Locustfiles and plugins import these from ``locust.stats``; horde's own percentiles come
from :class:`~horde.stats.Histogram` and only the Locust-style ``response_times`` dict uses
:func:`bucket_response_time`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "CONSOLE_STATS_INTERVAL_SEC",
    "CSV_STATS_FLUSH_INTERVAL_SEC",
    "CSV_STATS_INTERVAL_SEC",
    "CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW",
    "HISTORY_STATS_INTERVAL_SEC",
    "PERCENTILES_TO_CHART",
    "PERCENTILES_TO_REPORT",
    "PERCENTILES_TO_STATISTICS",
    "STATS_NAME_WIDTH",
    "STATS_TYPE_WIDTH",
    "bucket_response_time",
    "calculate_response_time_percentile",
    "diff_response_time_dicts",
    "format_utc_timestamp",
    "get_readable_percentiles",
    "name_width_for_terminal",
    "proper_round",
]

PERCENTILES_TO_REPORT = [0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0]
"""Percentiles in the console table and the CSV files."""

PERCENTILES_TO_STATISTICS = [0.95, 0.99]
"""Percentiles in the web table and :meth:`StatsEntry.to_dict`."""

PERCENTILES_TO_CHART = [0.5, 0.95]
"""Percentiles charted in the web UI and the HTML report (at most 6, each strictly 0-1)."""

CONSOLE_STATS_INTERVAL_SEC = 2
HISTORY_STATS_INTERVAL_SEC = 5
CSV_STATS_INTERVAL_SEC = 1
CSV_STATS_FLUSH_INTERVAL_SEC = 5
CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW = 10
"""Seconds covered by the "current" percentiles."""

STATS_TYPE_WIDTH = 8
STATS_NAME_WIDTH = 80
"""Width of the name column; Locust's value when stdout is not a terminal.

horde reads no terminal at import time: the CLI may compute a width with
:func:`name_width_for_terminal` and pass it to the console tables."""


def name_width_for_terminal(columns: int) -> int:
    """Return Locust's name-column width for a terminal ``columns`` wide.

    Example:
        >>> name_width_for_terminal(120), name_width_for_terminal(300)
        (40, 80)
    """
    return max(min(columns - 80, 80), 0)


def get_readable_percentiles(percentile_list: Sequence[float]) -> list[str]:
    """Return column labels for percentiles given as fractions.

    Example:
        >>> get_readable_percentiles([0.5, 0.999, 1.0])
        ['50%', '99.9%', '100%']
    """
    return [
        f"{int(p * 100) if (p * 100).is_integer() else round(100 * p, 6)}%" for p in percentile_list
    ]


def bucket_response_time(response_time: float) -> int:
    """Round a response time the way Locust keys its ``response_times`` dict.

    Example:
        >>> [bucket_response_time(v) for v in (1.5, 2.5, 147, 3432, 58760)]
        [2, 2, 150, 3400, 59000]
    """
    if response_time < 100:
        return round(response_time)
    if response_time < 1000:
        return int(round(response_time, -1))
    if response_time < 10000:
        return int(round(response_time, -2))
    return int(round(response_time, -3))


def calculate_response_time_percentile(
    response_times: Mapping[int, int], num_requests: int, percent: float
) -> int:
    """Return a percentile from a Locust ``response_times`` dict (0 when it is empty).

    Example:
        >>> calculate_response_time_percentile({i: 1 for i in range(100)}, 100, 0.95)
        95
    """
    num_of_request = int(num_requests * percent)
    processed_count = 0
    for response_time in sorted(response_times, reverse=True):
        processed_count += response_times[response_time]
        if num_requests - processed_count <= num_of_request:
            return response_time
    return 0


def diff_response_time_dicts(latest: Mapping[int, int], old: Mapping[int, int]) -> dict[int, int]:
    """Return the counts in ``latest`` that are not in ``old``."""
    return {t: latest[t] - old.get(t, 0) for t in latest if latest[t] - old.get(t, 0)}


def proper_round(value: float, digits: int = 0) -> float:
    """Round half away from zero and return a float, as Locust's web tables do.

    Example:
        >>> proper_round(2.5), proper_round(0.125, 2)
        (3.0, 0.13)
    """
    exponent = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(exponent, rounding=ROUND_HALF_UP))


def format_utc_timestamp(timestamp: float) -> str:
    """Return epoch seconds as UTC ``YYYY-MM-DDTHH:MM:SSZ`` (CSV first/last seen, charts).

    Example:
        >>> format_utc_timestamp(1795832189.7)
        '2026-11-28T02:16:29Z'
    """
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
