"""``--summary-json``: one JSON document with everything a run measured.

Run metadata, totals, per-endpoint statistics and percentiles, errors, the per-second
series (aggregate and per endpoint), the step plateaus, the checks, and the analysis.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from horde.report._checks import CheckResult
from horde.stats import RequestStats, StatsEntry, TimeSeries

__all__ = ["SUMMARY_PERCENTILES", "build_summary"]

SUMMARY_PERCENTILES = (0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0)
"""The percentiles given for the totals and each endpoint."""


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _percentile_key(fraction: float) -> str:
    return "p" + f"{fraction * 100:g}".replace(".", "_")


def _entry(entry: StatsEntry) -> dict[str, Any]:
    timed = entry.num_requests - entry.num_none_requests
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "fail_ratio": entry.fail_ratio,
        "rps": entry.total_rps,
        "avg_ms": entry.avg_response_time,
        "min_ms": entry.min_response_time,
        "max_ms": entry.max_response_time if timed else None,
        "avg_content_length": entry.avg_content_length,
        "percentiles_ms": {
            _percentile_key(fraction): entry.get_response_time_percentile(fraction)
            if timed
            else None
            for fraction in SUMMARY_PERCENTILES
        },
    }


def _series(series: TimeSeries) -> list[dict[str, Any]]:
    return [dataclasses.asdict(sample) for sample in series]


def _endpoint_series(series: Mapping[tuple[str, str], TimeSeries]) -> dict[str, Any]:
    return {f"{method} {name}": _series(one) for (name, method), one in sorted(series.items())}


def _corrected_series(series: Mapping[tuple[str, str] | None, TimeSeries]) -> dict[str, Any]:
    """The open model's series corrected for coordinated omission, which the story reads."""
    if None not in series:
        return {}
    endpoints = {key: one for key, one in series.items() if key is not None}
    return {
        "corrected_aggregate": _series(series[None]),
        "corrected_endpoints": _endpoint_series(endpoints),
    }


def build_summary(
    stats: RequestStats,
    *,
    metadata: Mapping[str, Any],
    checks: Sequence[CheckResult] = (),
    steps: Sequence[Any] = (),
    analysis: Mapping[str, Any] | None = None,
    exceptions: Mapping[Any, Mapping[str, Any]] | None = None,
    end_time: float | None = None,
) -> dict[str, Any]:
    """The ``--summary-json`` document (JSON-ready: plain dicts, lists, numbers, strings).

    Args:
        stats: The run's statistics.
        metadata: Run facts: version, locustfile, host, times, users...
        checks: The evaluated ``--check`` thresholds.
        steps: The plateaus of a step load (objects with users/start/end).
        analysis: The degradation analysis, as a dict, when there is one.
        exceptions: ``runner.exceptions``: errors raised by user code, by traceback.
        end_time: When the run ended (epoch seconds); by default, now.
    """
    total = stats.total
    endpoints = sorted(stats.entries.values(), key=lambda e: (e.name, e.method))
    return {
        **metadata,
        "start_time": _iso(total.start_time),
        # Not the last request's time (Locust's report): that makes a run whose users wait
        # long between requests look shorter than it was.
        "end_time": _iso(stats.now() if end_time is None else end_time),
        "totals": _entry(total),
        "endpoints": [{"method": e.method, "name": e.name, **_entry(e)} for e in endpoints],
        "errors": [
            {
                "method": error.method,
                "name": error.name,
                "error": error.to_name(),
                "occurrences": error.occurrences,
            }
            for error in stats.errors.values()
        ],
        "exceptions": [
            {
                "count": row["count"],
                "msg": row["msg"],
                "traceback": row["traceback"],
                "nodes": ", ".join(sorted(row["nodes"])),
            }
            for row in (exceptions or {}).values()
        ],
        "series": {
            "aggregate": _series(stats.total_series),
            "endpoints": _endpoint_series(stats.all_series),
            **_corrected_series(stats.corrected_series),
        },
        "steps": [{"users": step.users, "start": step.start, "end": step.end} for step in steps],
        "checks": [{"check": r.check.text, "value": r.value, "passed": r.passed} for r in checks],
        "analysis": dict(analysis) if analysis is not None else None,
    }
