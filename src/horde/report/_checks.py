"""Thresholds for CI: ``--check 'p95<2000'`` and friends, parsed, evaluated and shown.

A check is ``METRIC[ENDPOINT] OPERATOR NUMBER``:

* ``METRIC``: ``avg``, ``min``, ``max``, ``median``, ``pNN`` (any percentile, e.g.
  ``p95``, ``p99.9``; milliseconds), ``fail_ratio`` (0 to 1), ``failures``,
  ``requests``, ``rps`` (requests per second over the run);
* ``[ENDPOINT]`` (optional): ``[GET /api/products]`` or just ``[/api/products]``;
  without it the check applies to the aggregate of every request;
* ``OPERATOR``: ``<``, ``<=``, ``>``, ``>=``.

A check on an endpoint that saw no request fails: there is nothing to vouch for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from horde.exceptions import ConfigError
from horde.stats import RequestStats, StatsEntry

__all__ = [
    "CHECKS_FAILED_EXIT_CODE",
    "Check",
    "CheckResult",
    "checks_table",
    "evaluate_checks",
    "parse_check",
]

CHECKS_FAILED_EXIT_CODE = 3
"""The exit code of a run whose checks did not all pass."""

_PATTERN = re.compile(
    r"^\s*(?P<metric>[a-z_]+|p\d+(?:\.\d+)?)\s*(?:\[(?P<endpoint>[^\]]*)\])?"
    r"\s*(?P<operator><=|>=|<|>)\s*(?P<threshold>-?\d+(?:\.\d+)?)\s*$"
)

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": lambda value, threshold: value < threshold,
    "<=": lambda value, threshold: value <= threshold,
    ">": lambda value, threshold: value > threshold,
    ">=": lambda value, threshold: value >= threshold,
}

_METRICS: dict[str, Callable[[StatsEntry], float]] = {
    "avg": lambda entry: entry.avg_response_time,
    "min": lambda entry: entry.min_response_time or 0.0,
    "max": lambda entry: entry.max_response_time,
    "median": lambda entry: entry.get_response_time_percentile(0.5),
    "fail_ratio": lambda entry: entry.fail_ratio,
    "failures": lambda entry: entry.num_failures,
    "requests": lambda entry: entry.num_requests,
    "rps": lambda entry: entry.total_rps,
}

_HELP = (
    "write METRIC[ENDPOINT]<NUMBER, e.g. 'p95<2000', 'fail_ratio<0.01', 'rps>100' or "
    "'p99[GET /api/products]<800'; metrics: avg, min, max, median, pNN, fail_ratio, "
    "failures, requests, rps; operators: <, <=, >, >="
)


@dataclass(frozen=True)
class Check:
    """One threshold: ``metric`` of ``endpoint`` (None: the aggregate) against a number."""

    text: str
    metric: str
    endpoint: tuple[str | None, str] | None
    operator: str
    threshold: float

    def measure(self, stats: RequestStats) -> float | None:
        """The metric's value in ``stats``; None when the endpoint saw no request."""
        entry = self._entry(stats)
        if entry is None or entry.num_requests == 0:
            return None
        if self.metric.startswith("p"):
            return entry.get_response_time_percentile(float(self.metric[1:]) / 100)
        return float(_METRICS[self.metric](entry))

    def _entry(self, stats: RequestStats) -> StatsEntry | None:
        if self.endpoint is None:
            return stats.total
        method, name = self.endpoint
        matches = [
            entry
            for (entry_name, entry_method), entry in stats.entries.items()
            if entry_name == name and (method is None or entry_method == method)
        ]
        return matches[0] if len(matches) == 1 else None


def parse_check(text: str) -> Check:
    """Parse one ``--check`` expression.

    Raises:
        ConfigError: (exit code 2) when the expression is malformed.

    Example:
        >>> parse_check("p99[GET /api/products]<800").endpoint
        ('GET', '/api/products')
    """
    match = _PATTERN.match(text)
    if match is None:
        raise ConfigError(f"--check {text!r}: not a check; {_HELP}", 2)
    metric = match.group("metric")
    if not (metric in _METRICS or _is_percentile(metric)):
        raise ConfigError(f"--check {text!r}: unknown metric {metric!r}; {_HELP}", 2)
    endpoint = None
    if match.group("endpoint") is not None:
        parts = match.group("endpoint").strip().split(" ", 1)
        if not parts[0]:
            raise ConfigError(f"--check {text!r}: empty endpoint; {_HELP}", 2)
        endpoint = (parts[0], parts[1].strip()) if len(parts) == 2 else (None, parts[0])
    return Check(
        text.strip(), metric, endpoint, match.group("operator"), float(match.group("threshold"))
    )


def _is_percentile(metric: str) -> bool:
    return metric.startswith("p") and 0 < float(metric[1:]) <= 100


@dataclass(frozen=True)
class CheckResult:
    """A check, the value it met, and whether it passed."""

    check: Check
    value: float | None
    passed: bool


def evaluate_checks(checks: Sequence[Check], stats: RequestStats) -> list[CheckResult]:
    """Evaluate every check against ``stats``."""
    results = []
    for check in checks:
        value = check.measure(stats)
        passed = value is not None and _OPERATORS[check.operator](value, check.threshold)
        results.append(CheckResult(check, value, passed))
    return results


def checks_table(results: Sequence[CheckResult]) -> list[str]:
    """The pass/fail table printed at the end of a run."""
    width = max(40, *(len(result.check.text) for result in results))
    lines = ["Checks", f"{'Check':<{width}} {'Value':>12}  Result", "-" * (width + 22)]
    for result in results:
        value = "no data" if result.value is None else f"{result.value:.3f}".rstrip("0").rstrip(".")
        verdict = "passed" if result.passed else "FAILED"
        lines.append(f"{result.check.text:<{width}} {value:>12}  {verdict}")
    failed = sum(not result.passed for result in results)
    lines += [f"{len(results) - failed} passed, {failed} failed", ""]
    return lines
