"""The ``--csv`` files, with Locust's headers, row order and cell formatting.

``csv`` module defaults apply: commas, minimal quoting, CRLF line endings. Floats are
written with ``str()``, so at full precision.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from horde.report._percentiles import report_percentiles
from horde.stats import (
    CSV_STATS_FLUSH_INTERVAL_SEC,
    CSV_STATS_INTERVAL_SEC,
    RequestStats,
    StatsEntry,
    StatsError,
    format_utc_timestamp,
    get_readable_percentiles,
)

__all__ = [
    "CSV_SUFFIXES",
    "EXCEPTIONS_HEADER",
    "FAILURES_HEADER",
    "CsvWriter",
    "exceptions_csv",
    "exceptions_rows",
    "failures_csv",
    "failures_rows",
    "history_header",
    "requests_csv",
    "stats_header",
    "stats_rows",
]

Row = list[Any]
ExceptionsMapping = Mapping[Any, Mapping[str, Any]]

FAILURES_HEADER = ["Method", "Name", "Error", "Occurrences", "First Seen", "Last Seen"]
EXCEPTIONS_HEADER = ["Count", "Message", "Traceback", "Nodes"]
CSV_SUFFIXES = ("_stats.csv", "_stats_history.csv", "_failures.csv", "_exceptions.csv")
"""What ``--csv PREFIX`` appends to its prefix: the stats, history, failures and
exceptions files, in that order."""


def stats_header(percentiles: Sequence[float]) -> list[str]:
    """Return the ``_stats.csv`` header for ``percentiles``."""
    return [
        "Type",
        "Name",
        "Request Count",
        "Failure Count",
        "Median Response Time",
        "Average Response Time",
        "Min Response Time",
        "Max Response Time",
        "Average Content Size",
        "Requests/s",
        "Failures/s",
        *get_readable_percentiles(percentiles),
    ]


def history_header(percentiles: Sequence[float]) -> list[str]:
    """Return the ``_stats_history.csv`` header for ``percentiles``."""
    return [
        "Timestamp",
        "User Count",
        "Type",
        "Name",
        "Requests/s",
        "Failures/s",
        *get_readable_percentiles(percentiles),
        "Total Request Count",
        "Total Failure Count",
        "Total Median Response Time",
        "Total Average Response Time",
        "Total Min Response Time",
        "Total Max Response Time",
        "Total Average Content Size",
    ]


def _sorted_entries(stats: RequestStats) -> list[StatsEntry]:
    return [stats.entries[key] for key in sorted(stats.entries)]


def _percentile_cells(
    entry: StatsEntry, percentiles: Sequence[float], *, current: bool = False
) -> list[Any]:
    if not entry.num_requests:
        return ["N/A"] * len(percentiles)
    if current and not entry.use_response_times_cache:
        return [0] * len(percentiles)
    return list(entry.report_percentiles(percentiles, current=current))


def stats_rows(stats: RequestStats, percentiles: Sequence[float]) -> list[Row]:
    """Return the ``_stats.csv`` rows (no header): each endpoint, sorted, then the aggregate."""
    return [
        [
            entry.method,
            entry.name,
            entry.num_requests,
            entry.num_failures,
            entry.report_median(),
            entry.avg_response_time,
            entry.min_response_time or 0,
            entry.max_response_time,
            entry.avg_content_length,
            entry.total_rps,
            entry.total_fail_per_sec,
            *_percentile_cells(entry, percentiles),
        ]
        for entry in [*_sorted_entries(stats), stats.total]
    ]


def _history_rows(
    stats: RequestStats,
    percentiles: Sequence[float],
    *,
    user_count: int,
    timestamp: float,
    full_history: bool,
) -> list[Row]:
    # Locust's quirk, kept: percentiles are cumulative, but current (~10 s) in full history.
    entries = _sorted_entries(stats) if full_history else []
    return [
        [
            int(timestamp),
            user_count,
            entry.method or "",
            entry.name,
            f"{entry.current_rps:2f}",
            f"{entry.current_fail_per_sec:2f}",
            *_percentile_cells(entry, percentiles, current=full_history),
            entry.num_requests,
            entry.num_failures,
            entry.report_median(),
            entry.avg_response_time,
            entry.min_response_time or 0,
            entry.max_response_time,
            entry.avg_content_length,
        ]
        for entry in [*entries, stats.total]
    ]


def _utc(timestamp: float | None) -> str:
    return "" if timestamp is None else format_utc_timestamp(timestamp)


def failures_rows(stats: RequestStats) -> list[Row]:
    """Return the ``_failures.csv`` rows (no header)."""
    # Sorted by sha256 key, as Locust does: deterministic, though it looks random.
    return [
        [
            error.method,
            error.name,
            StatsError.parse_error(error.error),
            error.occurrences,
            _utc(error.first_seen),
            _utc(error.last_seen),
        ]
        for _, error in sorted(stats.errors.items())
    ]


def exceptions_rows(exceptions: ExceptionsMapping) -> list[Row]:
    """Return the ``_exceptions.csv`` rows (no header) from ``runner.exceptions``."""
    return [
        [row["count"], row["msg"], row["traceback"], ", ".join(sorted(row["nodes"]))]
        for row in exceptions.values()
    ]


def _to_text(header: Row, rows: Iterable[Row]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def requests_csv(stats: RequestStats, percentiles: Sequence[float] | None = None) -> str:
    """Return the whole ``_stats.csv`` text (also the web UI's requests download).

    Example:
        >>> requests_csv(RequestStats()).splitlines()[1]
        ',Aggregated,0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A'
    """
    wanted = report_percentiles(percentiles)
    return _to_text(stats_header(wanted), stats_rows(stats, wanted))


def failures_csv(stats: RequestStats) -> str:
    """Return the whole ``_failures.csv`` text."""
    return _to_text(FAILURES_HEADER, failures_rows(stats))


def exceptions_csv(exceptions: ExceptionsMapping) -> str:
    """Return the whole ``_exceptions.csv`` text from ``runner.exceptions``."""
    return _to_text(EXCEPTIONS_HEADER, exceptions_rows(exceptions))


class _CsvFile:
    """One open CSV file whose header stays put while its rows are rewritten or appended."""

    def __init__(self, path: Path, header: Row) -> None:
        self.path = path
        self.handle: IO[str] = path.open("w+", newline="", encoding="utf-8")
        self.writer = csv.writer(self.handle)
        self.writer.writerow(header)
        self.data_start = self.handle.tell()

    def rewrite(self, rows: Iterable[Row]) -> None:
        self.handle.seek(self.data_start)
        self.writer.writerows(rows)
        self.handle.truncate()

    def append(self, rows: Iterable[Row]) -> None:
        self.writer.writerows(rows)


class CsvWriter:
    """Writes the four ``--csv`` files: ``<prefix>_stats.csv``, ``_stats_history.csv``, and so on.

    The files are created (with missing parent directories) and their headers written at
    once. The runner calls :meth:`write` every :attr:`interval` seconds, starting before
    any traffic, and :meth:`close` at the end; unlike Locust, closing writes the final state.

    Args:
        prefix: Path prefix of the four files (``--csv``).
        full_history: Add a row per endpoint to the history (``--csv-full-history``).
        percentiles: Percentile columns; ``horde.stats.PERCENTILES_TO_REPORT`` when None,
            read now, so a locustfile's override made before this point applies.
        interval: Seconds between two writes (``CSV_STATS_INTERVAL_SEC``), for the
            caller that schedules them.
        flush_interval: Seconds between two flushes to the system
            (``CSV_STATS_FLUSH_INTERVAL_SEC``).

    Example:
        >>> import tempfile, pathlib
        >>> prefix = pathlib.Path(tempfile.mkdtemp()) / "out" / "run"
        >>> writer = CsvWriter(prefix)
        >>> writer.write(RequestStats(), {}, user_count=0, timestamp=1795832189.2)
        >>> writer.close()
        >>> (prefix.parent / "run_stats_history.csv").read_text().splitlines()[1][:25]
        '1795832189,0,,Aggregated,'
    """

    def __init__(
        self,
        prefix: str | os.PathLike[str],
        full_history: bool = False,
        percentiles: Sequence[float] | None = None,
        interval: float = CSV_STATS_INTERVAL_SEC,
        flush_interval: float = CSV_STATS_FLUSH_INTERVAL_SEC,
    ) -> None:
        self.prefix = str(prefix)
        self.interval = interval
        self.flush_interval = flush_interval
        self.full_history = full_history
        self.percentiles = report_percentiles(percentiles)
        Path(self.prefix).parent.mkdir(parents=True, exist_ok=True)
        headers = (
            stats_header(self.percentiles),
            history_header(self.percentiles),
            FAILURES_HEADER,
            EXCEPTIONS_HEADER,
        )
        self._stats, self._history, self._failures, self._exceptions = (
            _CsvFile(Path(self.prefix + suffix), header)
            for suffix, header in zip(CSV_SUFFIXES, headers, strict=True)
        )
        self._last_flush = 0.0
        self._last_history: tuple[int, int] | None = None  # (second, offset) of the last rows
        self.closed = False

    @property
    def paths(self) -> list[Path]:
        """The four files, in the order stats, history, failures, exceptions."""
        return [f.path for f in self._files]

    @property
    def _files(self) -> tuple[_CsvFile, ...]:
        return (self._stats, self._history, self._failures, self._exceptions)

    def write(
        self,
        stats: RequestStats,
        exceptions: ExceptionsMapping,
        user_count: int,
        timestamp: float,
    ) -> None:
        """Rewrite the stats, failures and exceptions files and append to the history.

        Args:
            stats: The run's statistics.
            exceptions: ``runner.exceptions`` (an :class:`~horde.stats.ExceptionLog`).
            user_count: Users running now.
            timestamp: Epoch seconds now; files are flushed once :attr:`flush_interval`
                passed since the last flush.
        """
        self._stats.rewrite(stats_rows(stats, self.percentiles))
        self._write_history(stats, user_count, timestamp)
        self._failures.rewrite(failures_rows(stats))
        self._exceptions.rewrite(exceptions_rows(exceptions))
        if timestamp - self._last_flush > self.flush_interval:
            self.flush()
            self._last_flush = timestamp

    def _write_history(self, stats: RequestStats, user_count: int, timestamp: float) -> None:
        rows = _history_rows(
            stats,
            self.percentiles,
            user_count=user_count,
            timestamp=timestamp,
            full_history=self.full_history,
        )
        self._last_history = (int(timestamp), self._history.handle.tell())
        self._history.append(rows)

    def flush(self) -> None:
        """Push buffered rows to the operating system."""
        for f in self._files:
            f.handle.flush()

    def close(
        self,
        stats: RequestStats | None = None,
        exceptions: ExceptionsMapping | None = None,
        user_count: int = 0,
        timestamp: float | None = None,
    ) -> None:
        """Write the final state (when ``stats`` is given), then close the files.

        Final history rows replace rows already written in the same second, so the
        history never holds two rows for one timestamp. Closing twice does nothing.
        Every file is closed even when writing failed.

        Raises:
            OSError: The final state could not be written (a full disk, say).
        """
        if self.closed:
            return
        try:
            if stats is not None:
                now = stats.now() if timestamp is None else timestamp
                if self._last_history is not None and self._last_history[0] == int(now):
                    self._history.handle.seek(self._last_history[1])
                    self._history.handle.truncate()
                self.write(stats, exceptions or {}, user_count, now)
        finally:
            self.closed = True
            failures = [error for error in map(_close, self._files) if error is not None]
        if failures:
            raise failures[0]


def _close(file: _CsvFile) -> OSError | None:
    """Close ``file``; the error of the buffered rows it could not write, if any."""
    try:
        file.handle.close()
    except OSError as error:
        return error
    return None
