"""Reports: the console tables and the CSV files, laid out exactly as Locust's; the HTML report.

The functions and writers take the data as arguments (a :class:`~horde.stats.RequestStats`,
``runner.exceptions``, a user count, a timestamp); they own no timers.

Example:
    >>> from horde.stats import RequestStats
    >>> stats = RequestStats()
    >>> stats.record("GET", "/", 5.0, 10, None)
    >>> for line in periodic_report(stats):
    ...     pass  # log each line at INFO on the stats logger
"""

from horde.report._checks import (
    CHECKS_FAILED_EXIT_CODE,
    Check,
    CheckResult,
    checks_table,
    evaluate_checks,
    parse_check,
)
from horde.report._console import (
    error_report,
    final_report,
    percentiles_table,
    periodic_report,
    stats_table,
)
from horde.report._csv import (
    CSV_SUFFIXES,
    EXCEPTIONS_HEADER,
    FAILURES_HEADER,
    CsvWriter,
    exceptions_csv,
    exceptions_rows,
    failures_csv,
    failures_rows,
    history_header,
    requests_csv,
    stats_header,
    stats_rows,
)
from horde.report._html import render_html
from horde.report._open_model import (
    OPEN_MODEL_PERCENTILES,
    open_model_report,
    open_model_summary,
)
from horde.report._summary import SUMMARY_PERCENTILES, build_summary

__all__ = [
    "CHECKS_FAILED_EXIT_CODE",
    "CSV_SUFFIXES",
    "EXCEPTIONS_HEADER",
    "FAILURES_HEADER",
    "OPEN_MODEL_PERCENTILES",
    "SUMMARY_PERCENTILES",
    "Check",
    "CheckResult",
    "CsvWriter",
    "build_summary",
    "checks_table",
    "error_report",
    "evaluate_checks",
    "exceptions_csv",
    "exceptions_rows",
    "failures_csv",
    "failures_rows",
    "final_report",
    "history_header",
    "open_model_report",
    "open_model_summary",
    "parse_check",
    "percentiles_table",
    "periodic_report",
    "render_html",
    "requests_csv",
    "stats_header",
    "stats_rows",
    "stats_table",
]
