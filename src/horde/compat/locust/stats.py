"""``locust.stats``: the statistics classes, constants, console printers, and the
functions and CSV writers that Locust's library use spawns.

``stats_printer``, ``stats_history`` and ``StatsCSVFileWriter.stats_writer`` read their
intervals from this module when they run, so a locustfile that sets, say,
``locust.stats.CONSOLE_STATS_INTERVAL_SEC`` changes them. horde's command reads
``PERCENTILES_TO_REPORT``, ``CONSOLE_STATS_INTERVAL_SEC``, ``CSV_STATS_INTERVAL_SEC`` and
``CSV_STATS_FLUSH_INTERVAL_SEC`` from here too, once the locustfiles are loaded. The other
constants are for reading: horde's own tables and files do not look at them here.

Example (inside a running test, as Locust's ``examples/use_as_lib.py`` does):
    >>> gevent.spawn(stats_printer(env.stats))  # doctest: +SKIP
    >>> gevent.spawn(stats_history, env.runner)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from horde.engine import STATE_STOPPED
from horde.report import (
    EXCEPTIONS_HEADER,
    FAILURES_HEADER,
    CsvWriter,
    error_report,
    exceptions_rows,
    failures_rows,
    history_header,
    percentiles_table,
    stats_header,
    stats_rows,
    stats_table,
)
from horde.runtime import sleep
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

if TYPE_CHECKING:
    from horde.engine import Environment, LocalRunner

STATS_AUTORESIZE = True
"""Locust recomputes ``STATS_NAME_WIDTH`` on terminal resizes while this is True; horde
reads no terminal, so it is only there to be read or set."""


class CsvRowWriter(Protocol):
    """What :class:`StatsCSV` writes to: a :func:`csv.writer`."""

    def writerow(self, row: Iterable[Any], /) -> Any:
        """Write one row."""


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


def stats_printer(stats: RequestStats) -> Callable[[], NoReturn]:
    """Return a function that prints the stats table every ``CONSOLE_STATS_INTERVAL_SEC``,
    forever: spawn it, and kill it to stop.

    Example:
        >>> gevent.spawn(stats_printer(env.stats))  # doctest: +SKIP
    """

    def stats_printer_func() -> NoReturn:
        while True:
            print_stats(stats)
            sleep(CONSOLE_STATS_INTERVAL_SEC)

    return stats_printer_func


def update_stats_history(runner: LocalRunner) -> None:
    """Append the current figures to ``runner.stats.history`` (the report's charts)."""
    runner.stats.update_history(runner.user_count, percentiles=PERCENTILES_TO_CHART)


def stats_history(runner: LocalRunner) -> None:
    """Append the current figures to the stats history every
    ``HISTORY_STATS_INTERVAL_SEC`` while the runner is not stopped; spawn it, as
    ``gevent.spawn(stats_history, runner)``, and kill it to stop.

    It returns at once for statistics that keep no snapshots (a worker's), as in Locust.
    """
    while runner.stats.total.use_response_times_cache:
        if runner.state != STATE_STOPPED:
            update_stats_history(runner)
        sleep(HISTORY_STATS_INTERVAL_SEC)


def _checked(percentiles: Iterable[float]) -> list[float]:
    wanted = list(percentiles)
    if not all(isinstance(p, (int, float)) and 0 < p <= 1 for p in wanted):
        raise ValueError(
            f"percentiles_to_report = {wanted!r}: give fractions above 0 and up to 1, "
            "e.g. [0.5, 0.95, 0.99]"
        )
    return wanted


class StatsCSV:
    """Writes the ``--csv`` tables to a :func:`csv.writer`, header first (what the web UI's
    CSV downloads serve).

    Args:
        environment: The run's environment (its stats, and its runner's exceptions).
        percentiles_to_report: The percentile columns, e.g. ``PERCENTILES_TO_REPORT``.

    Raises:
        ValueError: If a percentile is not a fraction above 0 and up to 1.

    Example:
        >>> import io
        >>> buffer = io.StringIO()
        >>> StatsCSV(env, PERCENTILES_TO_REPORT).requests_csv(csv.writer(buffer))  # doctest: +SKIP
    """

    def __init__(self, environment: Environment, percentiles_to_report: list[float]) -> None:
        self.environment = environment
        self.percentiles_to_report = _checked(percentiles_to_report)
        self.percentiles_na = ["N/A"] * len(self.percentiles_to_report)
        self.requests_csv_columns = stats_header(self.percentiles_to_report)
        self.failures_columns = list(FAILURES_HEADER)
        self.exceptions_columns = list(EXCEPTIONS_HEADER)

    def requests_csv(self, csv_writer: CsvRowWriter) -> None:
        """Write the ``_stats.csv`` header and rows."""
        csv_writer.writerow(self.requests_csv_columns)
        for row in stats_rows(self.environment.stats, self.percentiles_to_report):
            csv_writer.writerow(row)

    def failures_csv(self, csv_writer: CsvRowWriter) -> None:
        """Write the ``_failures.csv`` header and rows."""
        csv_writer.writerow(self.failures_columns)
        for row in failures_rows(self.environment.stats):
            csv_writer.writerow(row)

    def exceptions_csv(self, csv_writer: CsvRowWriter) -> None:
        """Write the ``_exceptions.csv`` header and rows (none before a runner exists)."""
        csv_writer.writerow(self.exceptions_columns)
        for row in exceptions_rows(self._exceptions()):
            csv_writer.writerow(row)

    def _exceptions(self) -> Any:
        runner = self.environment.runner
        return {} if runner is None else runner.exceptions


class StatsCSVFileWriter(StatsCSV):
    """Writes the four ``--csv`` files, ``<base_filepath>_stats.csv`` and the others, as
    ``--csv`` does (the same writer, so the same bytes).

    The files are created, with their headers, at once. :meth:`stats_writer` rewrites
    them every ``CSV_STATS_INTERVAL_SEC``; spawn it, kill it at the end, then call
    :meth:`close_files`, which writes the final figures (Locust's leaves the last
    periodic ones) and closes the files.

    Args:
        environment: The run's environment.
        percentiles_to_report: The percentile columns, e.g. ``PERCENTILES_TO_REPORT``.
        base_filepath: The files' path prefix (``--csv``); missing directories are made.
        full_history: Add a row per endpoint to the history (``--csv-full-history``).

    Raises:
        ValueError: If a percentile is not a fraction above 0 and up to 1.
        OSError: If the files cannot be created.

    Example:
        >>> writer = StatsCSVFileWriter(env, PERCENTILES_TO_REPORT, "out/run")  # doctest: +SKIP
        >>> gevent.spawn(writer.stats_writer)  # doctest: +SKIP
    """

    def __init__(
        self,
        environment: Environment,
        percentiles_to_report: list[float],
        base_filepath: str,
        full_history: bool = False,
    ) -> None:
        super().__init__(environment, percentiles_to_report)
        self.base_filepath = base_filepath
        self.full_history = full_history
        self.stats_history_csv_columns = history_header(self.percentiles_to_report)
        self.csv_writer = CsvWriter(base_filepath, full_history, self.percentiles_to_report)

    def __call__(self) -> None:
        self.stats_writer()

    def stats_writer(self) -> None:
        """Write the files now and every ``CSV_STATS_INTERVAL_SEC``, until
        :meth:`close_files` (Locust's runs until it is killed)."""
        while not self.csv_writer.closed:
            self.write()
            sleep(CSV_STATS_INTERVAL_SEC)

    def write(self) -> None:
        """Rewrite the stats, failures and exceptions files and append to the history
        (flushed once ``CSV_STATS_FLUSH_INTERVAL_SEC`` passed since the last flush)."""
        stats = self.environment.stats
        runner = self.environment.runner
        user_count = 0 if runner is None else runner.user_count
        self.csv_writer.flush_interval = CSV_STATS_FLUSH_INTERVAL_SEC  # as set now
        self.csv_writer.write(stats, self._exceptions(), user_count, stats.now())

    def requests_flush(self) -> None:
        """Push buffered rows to the operating system (all four files)."""
        self.csv_writer.flush()

    stats_history_flush = failures_flush = exceptions_flush = requests_flush

    def close_files(self) -> None:
        """Write the final figures, as ``--csv`` does at the end, and close the files.

        Closing twice does nothing.
        """
        runner = self.environment.runner
        user_count = 0 if runner is None else runner.final_user_count
        self.csv_writer.close(self.environment.stats, self._exceptions(), user_count)

    def stats_history_file_name(self) -> str:
        """The path of the history file."""
        return self.base_filepath + "_stats_history.csv"


__all__ = [
    "CONSOLE_STATS_INTERVAL_SEC",
    "CSV_STATS_FLUSH_INTERVAL_SEC",
    "CSV_STATS_INTERVAL_SEC",
    "CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW",
    "HISTORY_STATS_INTERVAL_SEC",
    "PERCENTILES_TO_CHART",
    "PERCENTILES_TO_REPORT",
    "PERCENTILES_TO_STATISTICS",
    "STATS_AUTORESIZE",
    "STATS_NAME_WIDTH",
    "STATS_TYPE_WIDTH",
    "CsvRowWriter",
    "RequestStats",
    "StatsCSV",
    "StatsCSVFileWriter",
    "StatsEntry",
    "StatsError",
    "bucket_response_time",
    "calculate_response_time_percentile",
    "diff_response_time_dicts",
    "get_readable_percentiles",
    "print_error_report",
    "print_percentile_stats",
    "print_stats",
    "stats_history",
    "stats_printer",
    "update_stats_history",
]
