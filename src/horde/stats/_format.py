"""How a StatsEntry is shown: console rows and the web/report dict (Locust's layouts)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from horde.stats._compat import STATS_TYPE_WIDTH, proper_round

if TYPE_CHECKING:
    from horde.stats._entry import StatsEntry

__all__ = ["entry_dict", "percentile_row", "stats_row"]


def stats_row(entry: StatsEntry, *, current: bool, name_width: int) -> str:
    """Return ``entry``'s row of the console stats table.

    ``%d`` truncates the float times toward zero, and Max and Med have no space between
    them, exactly as in Locust.
    """
    rps = entry.current_rps if current else entry.total_rps
    fail_per_sec = entry.current_fail_per_sec if current else entry.total_fail_per_sec
    template = (
        f"%-{STATS_TYPE_WIDTH}s %-{name_width - STATS_TYPE_WIDTH + 4}s"
        " %7d %12s |%7d %7d %7d%7d | %7.2f %11.2f"
    )
    return template % (
        f"{entry.method} " if entry.method else "",
        entry.name,
        entry.num_requests,
        "%d(%.2f%%)" % (entry.num_failures, entry.fail_ratio * 100),  # noqa: UP031
        entry.avg_response_time,
        entry.min_response_time or 0,
        entry.max_response_time,
        entry.report_median() or 0,
        rps or 0,
        fail_per_sec or 0,
    )


def percentile_row(entry: StatsEntry, percentiles: Sequence[float], *, name_width: int) -> str:
    """Return ``entry``'s row of the console percentile table (whole milliseconds)."""
    template = f"%-{STATS_TYPE_WIDTH}s %-{name_width}s %8d " + " ".join(["%6d"] * len(percentiles))
    cells = (entry.method or "", entry.name, *entry.report_percentiles(percentiles))
    return template % (*cells, entry.num_requests)


def entry_dict(
    entry: StatsEntry, *, escape_string_values: bool, percentiles: Sequence[float]
) -> dict[str, Any]:
    """Return Locust's ``StatsEntry.to_dict()`` row (web table, HTML report)."""
    method = entry.method or ""
    values = entry.histogram.percentiles(percentiles)
    return {
        "method": escape(method) if escape_string_values else method,
        "name": escape(entry.name) if escape_string_values else entry.name,
        "safe_name": escape(entry.name, quote=False),
        "num_requests": entry.num_requests,
        "num_failures": entry.num_failures,
        "min_response_time": proper_round(entry.min_response_time or 0),
        "max_response_time": proper_round(entry.max_response_time),
        "current_rps": entry.current_rps,
        "current_fail_per_sec": entry.current_fail_per_sec,
        "avg_response_time": entry.avg_response_time,
        "median_response_time": entry.median_response_time,
        "total_rps": entry.total_rps,
        "total_fail_per_sec": entry.total_fail_per_sec,
        **{f"response_time_percentile_{p}": v for p, v in zip(percentiles, values, strict=True)},
        "avg_content_length": entry.avg_content_length,
    }
