"""The open model's report: what became of the scheduled iterations, and honest latency.

Next to each endpoint's measured percentiles it puts the same percentiles corrected for
coordinated omission (from the scheduled start, see :mod:`horde.engine`): when the two
columns differ, the measured ones hide waiting the users of a real system would have done.
"""

from __future__ import annotations

from typing import Any

from horde.engine import ArrivalCounts
from horde.stats import Histogram, RequestStats

__all__ = ["OPEN_MODEL_PERCENTILES", "open_model_report", "open_model_summary"]

#: The percentiles shown measured and corrected.
OPEN_MODEL_PERCENTILES = (0.5, 0.95, 0.99)


def _figures(histogram: Histogram) -> dict[str, Any]:
    if not histogram.count:
        return {"count": 0, "p50": None, "p95": None, "p99": None, "max": None}
    p50, p95, p99 = histogram.percentiles(OPEN_MODEL_PERCENTILES)
    return {
        "count": histogram.count,
        "p50": round(p50, 2),
        "p95": round(p95, 2),
        "p99": round(p99, 2),
        "max": round(histogram.max or 0.0, 2),
    }


def _rows(stats: RequestStats) -> list[tuple[str, Histogram, Histogram]]:
    rows = [
        (f"{entry.method} {entry.name}", entry.histogram, stats.corrected.get(key, Histogram()))
        for key, entry in sorted(stats.entries.items())
    ]
    return [*rows, ("Aggregated", stats.total.histogram, stats.corrected_total)]


def open_model_summary(counts: ArrivalCounts, stats: RequestStats) -> dict[str, Any]:
    """The ``"open_model"`` object of ``--summary-json``: counts, then latency both ways.

    Example:
        >>> stats = RequestStats()
        >>> stats.record("GET", "/", 5.0, 0, None)
        >>> stats.record_corrected("GET", "/", 805.0)
        >>> summary = open_model_summary(ArrivalCounts(scheduled=1, started=1), stats)
        >>> summary["latency"]["Aggregated"]["corrected"]["max"]
        805.0
    """
    return {
        **counts.to_dict(),
        "latency": {
            name: {"measured": _figures(measured), "corrected": _figures(corrected)}
            for name, measured, corrected in _rows(stats)
        },
    }


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _cells(histogram: Histogram) -> str:
    """p50, p95, p99 and max in whole milliseconds, cut as the tables above cut them
    (Locust's %d), from the histogram itself: the measured max here is the max there."""
    if not histogram.count:
        return " ".join(f"{'-':>7}" for _ in range(4))
    values = (*histogram.percentiles(OPEN_MODEL_PERCENTILES), histogram.max or 0.0)
    return " ".join(f"{int(value):>7}" for value in values)


def open_model_report(counts: ArrivalCounts, stats: RequestStats) -> list[str]:
    """The console lines: the iterations, then measured against corrected percentiles."""
    failed = ""
    if counts.start_failures:
        failed = f"{_count(counts.start_failures, 'pool user')} failed in on_start, see the errors"
    if not counts.scheduled:
        outcome = "none started"
    elif counts.not_started:
        outcome = (
            f"{counts.started} started, {counts.not_started} could not start "
            f"(still waiting at the end{'; ' + failed if failed else ''})"
        )
    else:
        outcome = f"all {counts.started} started{'; ' + failed if failed else ''}"
    lines = [f"Open model: {counts.scheduled} iterations scheduled, {outcome}"]
    if counts.lost:
        were = "was" if counts.lost == 1 else "were"
        lines.append(
            f"About {_count(counts.lost, 'more iteration')} {were} lost with workers that "
            "went missing: due after their last report, they are in no count and no figure"
        )
    if counts.cut_short:
        one = counts.cut_short == 1
        lines.append(
            f"{counts.cut_short} {'was' if one else 'were'} cut short by the end of the run: "
            f"{'its' if one else 'their'} requests in flight are not in the figures "
            f"(-s/--stop-timeout lets {'it' if one else 'them'} finish)"
        )
    if counts.late:
        if counts.peak_concurrency >= counts.max_concurrency:
            busy = (
                "the one user allowed was"
                if counts.max_concurrency == 1
                else f"all {counts.max_concurrency} users allowed were"
            )
            why = f"{busy} busy (--max-concurrency) or the generator lagged"
        else:
            why = "new users were still starting, or the generator lagged"
        lines.append(f"{counts.late} started late, by up to {counts.max_late_s:.2f} s: {why}")
    lines += [
        "",
        "Response times measured, and corrected for coordinated omission (from the "
        "scheduled start), in ms",
    ]
    header = f"{'Name':<50} {'50%':>7} {'95%':>7} {'99%':>7} {'max':>7} | "
    header += f"{'50%':>7} {'95%':>7} {'99%':>7} {'max':>7}"
    lines += [f"{'':<50} {'measured':^31} | {'corrected':^31}", header, "-" * len(header)]
    for name, measured, corrected in _rows(stats):
        lines.append(f"{name[:50]:<50} {_cells(measured)} | {_cells(corrected)}")
    return [*lines, ""]
