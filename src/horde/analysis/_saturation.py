"""Saturation, linear-versus-cliff and graceful-versus-catastrophic, over the plateaus."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from horde.analysis import _thresholds as t
from horde.analysis._model import Pattern, Saturation, StepSummary
from horde.analysis._prepare import Columns, FloatArray

__all__ = [
    "Baseline",
    "Degradation",
    "baseline_of",
    "classify_shape",
    "find_saturation",
    "judge_grace",
    "saturation_point",
]


@dataclass(frozen=True, slots=True)
class Baseline:
    """The early plateaus' figures every later one is compared with."""

    p95_ms: float
    rps_per_user: float
    spread: float


@dataclass(frozen=True, slots=True)
class Degradation:
    """Which plateau saturated first (index into the steps), and why."""

    index: int
    reasons: tuple[str, ...]
    recovered: int


def baseline_of(columns: Columns, steps: Sequence[StepSummary]) -> Baseline | None:
    """Pool the first :data:`BASELINE_STEPS` plateaus' seconds; None without latency."""
    early = steps[: t.BASELINE_STEPS]
    mask = np.zeros(len(columns), dtype=bool)
    for step in early:
        skip = min(float(t.RAMP_SKIP_SECONDS), (step.end_ts - step.start_ts) / 3)
        mask |= columns.window(step.start_ts + skip, step.end_ts)
    p95 = columns.p95[mask]
    p95 = p95[~np.isnan(p95)]
    if p95.size < t.MIN_STEP_SAMPLES:
        return None
    median = float(np.median(p95))
    q25, q75 = np.percentile(p95, [25, 75])
    spread = float(q75 - q25) / median if median > 0 else 0.0
    ratios = [step.rps / step.users for step in early if step.users > 0]
    return Baseline(median, float(np.median(ratios)) if ratios else 0.0, spread)


def _latency_departed(step: StepSummary, baseline: Baseline) -> bool:
    if step.p95_ms is None:
        return False
    limit = max(
        baseline.p95_ms * t.LATENCY_DEPARTURE_RATIO,
        baseline.p95_ms + t.LATENCY_DEPARTURE_MIN_MS,
    )
    return step.p95_ms > limit


def _reasons(step: StepSummary, baseline: Baseline) -> tuple[str, ...]:
    reasons: list[str] = []
    if _latency_departed(step, baseline):
        reasons.append("latency")
    if step.users and step.rps / step.users < t.EFFICIENCY_FLOOR * baseline.rps_per_user:
        reasons.append("throughput")
    if step.failure_ratio >= t.DEGRADED_FAILURE_RATIO:
        reasons.append("failures")
    return tuple(reasons)


def find_saturation(steps: Sequence[StepSummary], baseline: Baseline) -> Degradation | None:
    """Return the first plateau that degraded and stayed so on the next one, if any.

    A plateau degrades when its p95 leaves the baseline, its throughput per user falls
    under :data:`EFFICIENCY_FLOOR` of the early ratio, or its failures reach
    :data:`DEGRADED_FAILURE_RATIO`. Requiring the next plateau to agree (the last one
    stands alone) keeps one noisy plateau from calling saturation.
    """
    flags = [_reasons(step, baseline) for step in steps]
    for index in range(1, len(steps)):
        if flags[index] and (index == len(steps) - 1 or flags[index + 1]):
            recovered = sum(1 for later in flags[index + 1 :] if not later)
            return Degradation(index, flags[index], recovered)
    return None


def saturation_point(steps: Sequence[StepSummary], degradation: Degradation) -> Saturation:
    """Return the users and throughput of the saturated plateau."""
    step = steps[degradation.index]
    return Saturation(step.users, step.rps)


def _r_squared(x: FloatArray, y: FloatArray) -> tuple[float, float, float]:
    """Return the least-squares line's slope, R² and residual sum of squares."""
    slope, intercept = np.polyfit(x, y, 1)
    residual = float(np.sum((y - (slope * x + intercept)) ** 2))
    total = float(np.sum((y - y.mean()) ** 2))
    return float(slope), 1.0 - residual / total if total > 0 else 0.0, residual


def _step_fit(y: FloatArray) -> float:
    """Return the residual sum of squares of the best two-level (one jump) fit."""
    best = float("inf")
    for cut in range(1, len(y)):
        left, right = y[:cut], y[cut:]
        sse = float(np.sum((left - left.mean()) ** 2) + np.sum((right - right.mean()) ** 2))
        best = min(best, sse)
    return best


def classify_shape(
    steps: Sequence[StepSummary], degradation: Degradation
) -> tuple[Pattern, dict[str, Any]]:
    """Tell linear growth from a cliff on the last healthy and the saturated plateaus.

    Two models compete on latency against users: a straight line (queueing grows with
    every user) and one jump between two levels (a limit hit once, then a ceiling such
    as a timeout). Linear wins when the line fits better, explains at least
    :data:`LINEAR_MIN_R2` of the variance and latency keeps climbing
    (:data:`LINEAR_MIN_GROWTH`). With a single saturated plateau only the jump's size
    can speak (:data:`CLIFF_MIN_JUMP_RATIO`).

    Returns:
        The pattern and its evidence.
    """
    window = [s for s in steps[degradation.index - 1 :] if s.p95_ms is not None]
    anchor = steps[degradation.index - 1]
    x = np.array([s.users for s in window], dtype=float)
    y = np.array([s.p95_ms for s in window], dtype=float)
    before = anchor.p95_ms or 0.0
    first = steps[degradation.index].p95_ms or before
    evidence: dict[str, Any] = {
        "last_healthy_users": anchor.users,
        "last_healthy_p95_ms": round(before, 2),
        "jump_ms": round(first - before, 2),
        "jump_ratio": round(first / before, 2) if before > 0 else None,
        "saturated_steps": len(steps) - degradation.index,
    }
    if len(window) < 3:
        jump_ratio = first / before if before > 0 else float("inf")
        cliff = jump_ratio >= t.CLIFF_MIN_JUMP_RATIO or "failures" in degradation.reasons
        return (Pattern.CLIFF if cliff else Pattern.LINEAR), evidence
    slope, r2, line_sse = _r_squared(x, y)
    jump_sse = _step_fit(y)
    growth = float(y[-1] / y[0]) if y[0] > 0 else float("inf")
    evidence |= {
        "slope_ms_per_100_users": round(slope * 100, 2),
        "r_squared": round(r2, 3),
        "line_residual": round(line_sse, 1),
        "jump_residual": round(jump_sse, 1),
        "latency_growth": round(float(growth), 2) if np.isfinite(growth) else None,
    }
    linear = line_sse <= jump_sse and r2 >= t.LINEAR_MIN_R2 and growth >= t.LINEAR_MIN_GROWTH
    return (Pattern.LINEAR if linear else Pattern.CLIFF), evidence


def judge_grace(steps: Sequence[StepSummary]) -> tuple[bool, dict[str, Any]]:
    """Return whether the run degraded gracefully, with the failure and collapse figures.

    It is catastrophic when a plateau fails :data:`CATASTROPHIC_FAILURE_RATIO` of its
    requests, or when throughput falls under :data:`COLLAPSE_RPS_RATIO` of an earlier
    peak while the load keeps growing.
    """
    worst = max((s.failure_ratio for s in steps), default=0.0)
    peak = 0.0
    lowest_after_peak = float("inf")
    for step in steps:
        if step.rps >= peak:
            peak = step.rps
            lowest_after_peak = float("inf")
        else:
            lowest_after_peak = min(lowest_after_peak, step.rps)
    collapsed = peak > 0 and lowest_after_peak < t.COLLAPSE_RPS_RATIO * peak
    evidence: dict[str, Any] = {
        "max_step_failure_ratio": round(worst, 4),
        "peak_rps": round(peak, 2),
        "throughput_collapsed": bool(collapsed),
    }
    if collapsed:
        evidence["rps_after_peak"] = round(lowest_after_peak, 2)
    return worst < t.CATASTROPHIC_FAILURE_RATIO and not collapsed, evidence
