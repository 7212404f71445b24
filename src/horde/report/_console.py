"""The console tables, line for line as Locust prints them.

Each function returns a list of lines; the caller logs each one (Locust logs them at INFO
on ``stats_logger``, to stderr). Widths follow ``STATS_NAME_WIDTH`` (80 unless the CLI
passes a terminal-derived ``name_width``).
"""

from __future__ import annotations

from collections.abc import Sequence

from horde.report._percentiles import report_percentiles
from horde.stats import STATS_NAME_WIDTH, STATS_TYPE_WIDTH, RequestStats, get_readable_percentiles

__all__ = ["error_report", "final_report", "percentiles_table", "periodic_report", "stats_table"]


def stats_table(
    stats: RequestStats, *, current: bool = True, name_width: int = STATS_NAME_WIDTH
) -> list[str]:
    """Return the requests table: one row per endpoint, sorted, then the aggregate.

    Args:
        stats: The statistics.
        current: Show the current rates (periodic table) rather than whole-run rates (summary).
        name_width: ``STATS_NAME_WIDTH``; the name column is 4 narrower than in the other tables.

    Example:
        >>> stats = RequestStats()
        >>> stats.record("GET", "/cart", 12.0, 100, None)
        >>> stats_table(stats)[2].split()[:4]
        ['GET', '/cart', '1', '0(0.00%)']
    """
    name_column = name_width - STATS_TYPE_WIDTH + 4
    header = f"%-{STATS_TYPE_WIDTH}s %-{name_column}s %7s %12s |%7s %7s %7s%7s | %7s %11s" % (
        "Type",
        "Name",
        "# reqs",
        "# fails",
        "Avg",
        "Min",
        "Max",
        "Med",
        "req/s",
        "failures/s",
    )
    widths = (STATS_TYPE_WIDTH, name_column, 7, 13, 7, 7, 7, 7, 8, 11)
    separator = "|".join("-" * width for width in widths)
    lines = [header, separator]
    lines += [
        stats.entries[k].to_string(current, name_width=name_width) for k in sorted(stats.entries)
    ]
    lines += [separator, stats.total.to_string(current, name_width=name_width)]
    return lines


def percentiles_table(
    stats: RequestStats,
    *,
    percentiles: Sequence[float] | None = None,
    name_width: int = STATS_NAME_WIDTH,
) -> list[str]:
    """Return "Response time percentiles (approximated)" and its table.

    Rows are whole milliseconds from horde's histogram (within 1%, never above the max);
    endpoints without timed requests are left out, as in Locust.

    Args:
        stats: The statistics.
        percentiles: Fractions to show; ``horde.stats.PERCENTILES_TO_REPORT`` when None.
        name_width: Width of the name column.
    """
    wanted = report_percentiles(percentiles)
    labels = (*get_readable_percentiles(wanted), "# reqs")
    template = f"%-{STATS_TYPE_WIDTH}s %-{name_width}s %8s " + " ".join(["%6s"] * len(wanted))
    separator = f"{'-' * STATS_TYPE_WIDTH}|{'-' * name_width}|{'-' * 8}" + "|------" * len(wanted)
    lines = ["Response time percentiles (approximated)", template % ("Type", "Name", *labels)]
    lines.append(separator)
    for key in sorted(stats.entries):
        entry = stats.entries[key]
        if entry.histogram.counts:
            lines.append(entry.percentile(wanted, name_width=name_width))
    lines.append(separator)
    if stats.total.histogram.counts:
        lines.append(stats.total.percentile(wanted, name_width=name_width))
    return lines


def error_report(stats: RequestStats, *, name_width: int = STATS_NAME_WIDTH) -> list[str]:
    """Return the "Error report" table (errors in the order they first happened).

    It ends with an empty line, as Locust's does.
    """
    separator = f"{'-' * 18}|{'-' * (80 + name_width - 19)}"
    lines = ["Error report", "%-18s %-100s" % ("# occurrences", "Error"), separator]  # noqa: UP031
    lines += ["%-18i %-100s" % (e.occurrences, e.to_name()) for e in stats.errors.values()]  # noqa: UP031
    lines += [separator, ""]
    return lines


def periodic_report(stats: RequestStats, *, name_width: int = STATS_NAME_WIDTH) -> list[str]:
    """Return what is printed every 2 s during a run: the table with current rates and a blank."""
    return [*stats_table(stats, current=True, name_width=name_width), ""]


def final_report(
    stats: RequestStats,
    *,
    percentiles: Sequence[float] | None = None,
    name_width: int = STATS_NAME_WIDTH,
) -> list[str]:
    """Return the end-of-run summary: totals table, percentiles, and errors if there were any.

    Example:
        >>> stats = RequestStats()
        >>> stats.record("GET", "/", 5.0, 10, None)
        >>> lines = final_report(stats)
        >>> lines[lines.index("") + 1]
        'Response time percentiles (approximated)'
    """
    lines = [*stats_table(stats, current=False, name_width=name_width), ""]
    lines += [*percentiles_table(stats, percentiles=percentiles, name_width=name_width), ""]
    if stats.errors:
        lines += error_report(stats, name_width=name_width)
    return lines
