"""Thresholds for CI: ``--check 'p95<2000'`` and friends, parsed, evaluated and shown.

A check is ``METRIC[ENDPOINT] OPERATOR NUMBER``:

* ``METRIC``: ``avg``, ``min``, ``max``, ``median``, ``pNN`` (any percentile, e.g.
  ``p95``, ``p99.9``; milliseconds), ``fail_ratio`` (0 to 1), ``failures``,
  ``requests``, ``rps`` (requests per second over the run); in the open model also
  ``corrected_pNN`` (the percentile corrected for coordinated omission, from each
  iteration's scheduled start) and ``not_started`` (iterations that found no user, and
  those lost with a worker that went missing);
* ``[ENDPOINT]`` (optional): ``[GET /api/products]`` or just ``[/api/products]``;
  without it the check applies to the aggregate of every request;
* ``OPERATOR``: ``<``, ``<=``, ``>``, ``>=``.

A check on an endpoint that saw no request fails: there is nothing to vouch for it, and
so does an open-model metric in a closed-model run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from horde.engine import ArrivalCounts
from horde.exceptions import ConfigError
from horde.stats import Histogram, RequestStats, StatsEntry

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
    r"^\s*(?P<metric>(?:corrected_)?p\d+(?:\.\d+)?|[a-z_]+)\s*(?:\[(?P<endpoint>.*)\])?"
    r"\s*(?P<operator><=|>=|<|>)\s*(?P<threshold>-?\d+(?:\.\d+)?)\s*$"
)

_PERCENTILE = re.compile(r"p\d+(?:\.\d+)?")

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
    "failures, requests, rps, and in the open model corrected_pNN and not_started; "
    "operators: <, <=, >, >="
)

#: The open model's count of iterations that found no user: for the whole run only.
_NOT_STARTED = "not_started"
_CORRECTED = "corrected_"


_Figures = TypeVar("_Figures", StatsEntry, Histogram)


@dataclass(frozen=True)
class Check:
    """One threshold: ``metric`` of ``endpoint`` (None: the aggregate) against a number."""

    text: str
    metric: str
    endpoint: tuple[str | None, str] | None
    operator: str
    threshold: float

    @property
    def open_model(self) -> bool:
        """Whether it reads what only the open model (``--arrival-rate``) measures."""
        return self.metric == _NOT_STARTED or self.metric.startswith(_CORRECTED)

    @property
    def at_the_end(self) -> bool:
        """Whether it only means something once the run is over: during the run, the
        iterations just released count as not started until a user takes them."""
        return self.metric == _NOT_STARTED

    def measure(self, stats: RequestStats, arrivals: ArrivalCounts | None = None) -> float | None:
        """The metric's value in ``stats`` (and the open model's ``arrivals``); None when
        the endpoint saw no request, or an open-model metric has no open model."""
        if self.metric == _NOT_STARTED:
            return None if arrivals is None else float(arrivals.not_started + arrivals.lost)
        if self.metric.startswith(_CORRECTED):
            histogram = self._find(stats.corrected, stats.corrected_total)
            if histogram is None or histogram.count == 0:
                return None
            return histogram.percentile(_fraction(self.metric[len(_CORRECTED) :]))
        entry = self._find(stats.entries, stats.total)
        if entry is None or entry.num_requests == 0:
            return None
        if self.metric.startswith("p"):
            return entry.get_response_time_percentile(_fraction(self.metric))
        return float(_METRICS[self.metric](entry))

    def _find(self, by_key: Mapping[tuple[str, str], _Figures], total: _Figures) -> _Figures | None:
        """The figures of the check's endpoint (``(name, method)`` keys), or ``total``."""
        if self.endpoint is None:
            return total
        method, name = self.endpoint
        matches = [
            figures
            for (entry_name, entry_method), figures in by_key.items()
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
    if not (metric in _METRICS or metric == _NOT_STARTED or _is_percentile(metric)):
        raise ConfigError(f"--check {text!r}: unknown metric {metric!r}; {_HELP}", 2)
    endpoint = None
    if match.group("endpoint") is not None and metric == _NOT_STARTED:
        raise ConfigError(
            f"--check {text!r}: {_NOT_STARTED} counts the whole run's iterations, not an "
            f"endpoint's: write '{_NOT_STARTED}<N'",
            2,
        )
    if match.group("endpoint") is not None:
        parts = match.group("endpoint").strip().split(" ", 1)
        if not parts[0]:
            raise ConfigError(f"--check {text!r}: empty endpoint; {_HELP}", 2)
        endpoint = (parts[0], parts[1].strip()) if len(parts) == 2 else (None, parts[0])
    return Check(
        text.strip(), metric, endpoint, match.group("operator"), float(match.group("threshold"))
    )


def _is_percentile(metric: str) -> bool:
    metric = metric.removeprefix(_CORRECTED)
    return _PERCENTILE.fullmatch(metric) is not None and 0 < _fraction(metric) <= 1


def _fraction(percentile: str) -> float:
    """``p99.9`` as 0.999."""
    return float(percentile[1:]) / 100


@dataclass(frozen=True)
class CheckResult:
    """A check, the value it met, and whether it passed."""

    check: Check
    value: float | None
    passed: bool


def evaluate_checks(
    checks: Sequence[Check], stats: RequestStats, arrivals: ArrivalCounts | None = None
) -> list[CheckResult]:
    """Evaluate every check against ``stats`` (and the open model's ``arrivals``)."""
    results = []
    for check in checks:
        value = check.measure(stats, arrivals)
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
