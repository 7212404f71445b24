"""Reports: the console tables and the CSV files, laid out exactly as Locust's.

The functions and writers take the data as arguments (a :class:`~horde.stats.RequestStats`,
``runner.exceptions``, a user count, a timestamp); they own no timers.

Example:
    >>> from horde.stats import RequestStats
    >>> stats = RequestStats()
    >>> stats.record("GET", "/", 5.0, 10, None)
    >>> for line in periodic_report(stats):
    ...     pass  # log each line at INFO on the stats logger
"""

from horde.report._console import (
    error_report,
    final_report,
    percentiles_table,
    periodic_report,
    stats_table,
)
from horde.report._csv import (
    EXCEPTIONS_HEADER,
    FAILURES_HEADER,
    CsvWriter,
    exceptions_csv,
    failures_csv,
    history_header,
    requests_csv,
    stats_header,
)

__all__ = [
    "EXCEPTIONS_HEADER",
    "FAILURES_HEADER",
    "CsvWriter",
    "error_report",
    "exceptions_csv",
    "failures_csv",
    "final_report",
    "history_header",
    "percentiles_table",
    "periodic_report",
    "requests_csv",
    "stats_header",
    "stats_table",
]
