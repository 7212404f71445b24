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
    #: The interquartile range of its per-second p95, in milliseconds.
    iqr_ms: float

    @property
    def margin_ms(self) -> float:
        """How far above the baseline a plateau's p95 must rise to have left it."""
        return max(self.p95_ms * (t.LATENCY_DEPARTURE_RATIO - 1), t.LATENCY_DEPARTURE_MIN_MS)

    @property
    def spread(self) -> float:
        """The second-to-second jitter over :attr:`margin_ms`: above 1, jitter alone departs."""
        return self.iqr_ms / self.margin_ms


@dataclass(frozen=True, slots=True)
class Degradation:
    """Which plateau saturated first (index into the steps), and why."""

    index: int
    reasons: tuple[str, ...]
    recovered: int


def baseline_of(columns: Columns, steps: Sequence[StepSummary]) -> Baseline | None:
    """Pool the first :data:`BASELINE_STEPS` plateaus' seconds; None without latency.

    A second plateau that already left the first one's baseline, most of its seconds
    above it (three in four: jitter does not do that), is saturated itself: the baseline
    is then the first plateau's alone, or it would hold the degradation."""
    early = steps[: t.BASELINE_STEPS]
    seconds = [_seconds_p95(columns, step) for step in early]
    first = _pooled(seconds[0], early[:1]) if seconds else None
    if first is not None and len(early) > 1 and first.spread <= t.NOISY_BASELINE_SPREAD:
        second = seconds[1]
        if second.size >= t.MIN_STEP_SAMPLES and float(np.percentile(second, 25)) > (
            first.p95_ms + first.margin_ms
        ):
            return first
    return _pooled(np.concatenate(seconds) if seconds else np.array([]), early)


def _seconds_p95(columns: Columns, step: StepSummary) -> FloatArray:
    """The per-second p95 of ``step``, its ramp seconds left out."""
    p95 = columns.p95[columns.settled(step.start_ts, step.end_ts)]
    return p95[~np.isnan(p95)]


def _pooled(p95: FloatArray, steps: Sequence[StepSummary]) -> Baseline | None:
    if p95.size < t.MIN_STEP_SAMPLES:
        return None
    q25, q75 = np.percentile(p95, [25, 75])
    ratios = [step.rps / step.users for step in steps if step.users > 0]
    return Baseline(
        float(np.median(p95)), float(np.median(ratios)) if ratios else 0.0, float(q75 - q25)
    )


def _latency_departed(step: StepSummary, baseline: Baseline) -> bool:
    return step.p95_ms is not None and step.p95_ms > baseline.p95_ms + baseline.margin_ms


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


def _robust_slope(x: FloatArray, y: FloatArray) -> float:
    """Return the Theil-Sen slope: the median of the slopes between every two points."""
    i, j = np.triu_indices(len(x), k=1)
    return float(np.median((y[j] - y[i]) / (x[j] - x[i])))


def _r_squared(x: FloatArray, y: FloatArray) -> float:
    """Return the share of ``y``'s variance a least-squares line through it explains."""
    slope, intercept = np.polyfit(x, y, 1)
    residual = float(np.sum((y - (slope * x + intercept)) ** 2))
    total = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - residual / total if total > 0 else 0.0


def classify_shape(
    steps: Sequence[StepSummary], degradation: Degradation, *, open_model: bool = False
) -> tuple[Pattern, dict[str, Any]]:
    """Tell linear growth from a cliff, from the last healthy and the saturated plateaus.

    A limit that rejects work (a pool that times out, a full queue) shows as failures:
    once the saturated plateaus fail :data:`DEGRADED_FAILURE_RATIO` of their requests it
    is a cliff. Not in the open model when latency rose too: there arrivals beyond the
    service rate queue up whatever the limit is (a CPU too), until they time out, so
    such failures tell nothing of its kind (fast rejections still make a cliff).
    Without failures the p95 decides. In a closed model, queueing behind a
    full CPU adds the same latency for every user added (R = N/X - Z), so it keeps
    climbing plateau after plateau, even when the knee fell inside a step and made the
    first rise look like a jump; a limit jumps once and then holds at its ceiling.
    Linear needs the p95 to rise again past the first saturated plateau by at least
    :data:`LINEAR_MIN_CONTINUATION` of that first jump, ending at least
    :data:`LINEAR_MIN_GROWTH` times the last healthy level. With a single saturated
    plateau only the jump's size can speak (:data:`CLIFF_MIN_JUMP_RATIO`).

    Returns:
        The pattern and its evidence.
    """
    anchor = steps[degradation.index - 1]
    saturated = [s for s in steps[degradation.index :] if s.p95_ms is not None]
    before = anchor.p95_ms or 0.0
    first = saturated[0].p95_ms if saturated else None
    first = before if first is None else first
    failures = max((s.failure_ratio for s in steps[degradation.index :]), default=0.0)
    evidence: dict[str, Any] = {
        "last_healthy_users": anchor.users,
        "last_healthy_p95_ms": round(before, 2),
        "jump_ms": round(first - before, 2),
        "jump_ratio": round(first / before, 2) if before > 0 else None,
        "saturated_steps": len(steps) - degradation.index,
        "saturated_failure_ratio": round(failures, 4),
    }
    queued = open_model and "latency" in degradation.reasons  # failed as they waited
    if failures >= t.DEGRADED_FAILURE_RATIO and not queued:
        return Pattern.CLIFF, evidence
    if len(saturated) < 2:
        jump_ratio = first / before if before > 0 else float("inf")
        return (Pattern.CLIFF if jump_ratio >= t.CLIFF_MIN_JUMP_RATIO else Pattern.LINEAR), evidence
    last = saturated[-1].p95_ms or 0.0
    x = np.array([s.users for s in saturated], dtype=float)
    y = np.array([s.p95_ms for s in saturated], dtype=float)
    evidence |= {
        "slope_ms_per_100_users": round(_robust_slope(x, y) * 100, 2),
        "r_squared": round(_r_squared(x, y), 3) if len(saturated) >= 3 else None,
        "later_growth_ms": round(last - first, 2),
        "latency_growth": round(last / before, 2) if before > 0 else None,
    }
    keeps_climbing = last - first >= t.LINEAR_MIN_CONTINUATION * (first - before)
    linear = keeps_climbing and last >= t.LINEAR_MIN_GROWTH * before
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
