"""``locust.stats``: the statistics classes, constants and console printers."""

import logging

from horde.report import error_report, percentiles_table, stats_table
from horde.stats import (
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
    RequestStats,
    StatsEntry,
    StatsError,
    bucket_response_time,
    calculate_response_time_percentile,
    diff_response_time_dicts,
    get_readable_percentiles,
)

console_logger = logging.getLogger("horde.stats_logger")


def print_stats(stats: RequestStats, current: bool = True) -> None:
    """Log the stats table (current or total rates) on the tables logger."""
    for line in [*stats_table(stats, current=current), ""]:
        console_logger.info(line)


def print_percentile_stats(stats: RequestStats) -> None:
    """Log the response-time percentile table."""
    for line in [*percentiles_table(stats), ""]:
        console_logger.info(line)


def print_error_report(stats: RequestStats) -> None:
    """Log the error report, if there were errors."""
    if stats.errors:
        for line in error_report(stats):
            console_logger.info(line)


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
    "RequestStats",
    "StatsEntry",
    "StatsError",
    "bucket_response_time",
    "calculate_response_time_percentile",
    "diff_response_time_dicts",
    "get_readable_percentiles",
    "print_error_report",
    "print_percentile_stats",
    "print_stats",
]
