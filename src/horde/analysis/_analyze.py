"""The entry point: from the per-second series to an :class:`Analysis`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from horde.analysis import _thresholds as t
from horde.analysis._bottleneck import Bottleneck, find_bottleneck
from horde.analysis._model import ARRIVALS_UNIT, Analysis, Pattern, Step, StepSummary
from horde.analysis._periodic import Sawtooth, Spikes, find_sawtooth, find_spikes
from horde.analysis._prepare import Columns, steps_from_series, summarize_step
from horde.analysis._saturation import (
    Baseline,
    Degradation,
    baseline_of,
    classify_shape,
    find_saturation,
    judge_grace,
    saturation_point,
)
from horde.analysis._story import (
    FIXES,
    NO_LATENCY_FIX,
    SPIKES_FIX,
    grace_sentence,
    tell_bottleneck,
    tell_healthy,
    tell_sawtooth,
    tell_shape,
    tell_spikes,
)
from horde.stats import Sample

__all__ = ["analyze"]


def _bursting(columns: Columns, plateaus: list[Step], load_unit: str) -> list[Step]:
    """The plateaus whose start may burst with new users (logging in, say).

    Every step of a step load starts with new users. A step of the arrival rate starts
    with new arrivals, which come in at the rate, and brings new users only where the
    pool grew then: elsewhere a spike at its start is no step's doing.
    """
    if load_unit != ARRIVALS_UNIT:
        return plateaus
    users = np.nan_to_num(columns.user_count)

    def pool_grew(step: Step) -> bool:
        before = users[columns.timestamp <= step.start_ts]
        at_start = users[columns.window(step.start_ts, step.start_ts + t.STEP_START_SECONDS)]
        return float(np.max(at_start, initial=0)) > float(np.max(before, initial=0))

    return [step for step in plateaus if pool_grew(step)]


def analyze(
    total: Sequence[Sample],
    endpoints: Mapping[tuple[str, str], Sequence[Sample]] | None = None,
    steps: Sequence[Step] | None = None,
    load_unit: str = "users",
) -> Analysis:
    """Tell how the system degraded, from a run's per-second series.

    The checks run in order and the first that holds sets the pattern: too short
    (fewer than :data:`MIN_SERIES_SECONDS` measured seconds) is inconclusive; periodic
    spikes are a sawtooth (at any load, so even a constant load shows it); fewer than
    :data:`MIN_STEPS` plateaus, or a baseline too noisy to compare with, is
    inconclusive; one endpoint departing alone is flat-then-spike; a saturation point
    followed by proportional growth is linear, by a jump (or failures) a cliff; none
    of these is healthy. Latency and throughput are compared per plateau, with medians
    over its seconds and its first :data:`RAMP_SKIP_SECONDS` left out, so spikes that
    keep no period do not move a plateau: a healthy or inconclusive story names them.

    Args:
        total: The aggregate's samples (``RequestStats.total_series``).
        endpoints: Each endpoint's samples keyed ``(name, method)``
            (``RequestStats.all_series``); without them no bottleneck can be named.
        steps: The load's plateaus; derived from the user counts when None.
        load_unit: What a plateau's ``users`` counts, for the story: ``"users"``, or
            ``"iterations/s"`` for the plateaus of a stepped arrival rate.

    Returns:
        The verdict. ``evidence`` always holds ``"measured_seconds"`` and ``"steps"`` (each
        plateau's users, seconds, rps, p50_ms, p95_ms, failure_ratio), then the numbers
        behind the pattern: ``"baseline_p95_ms"``, ``"baseline_iqr_ms"``,
        ``"baseline_spread"`` (its jitter over the rise that counts as leaving it),
        ``"saturation_reasons"``, ``"r_squared"``, ``"slope_ms_per_100_users"``,
        ``"jump_ms"``, ``"jump_ratio"``, ``"period_strength"``, ``"bottleneck_growth"``
        and so on, ``"reason"`` when inconclusive, and ``"spikes"``,
        ``"spike_offsets_s"``, ``"spike_peak_p95_ms"`` and ``"between_spikes_p95_ms"``
        when latency spiked at no regular period.

    Example:
        >>> from horde.analysis import samples_from_columns
        >>> users = [u for u in (50, 100, 150, 200) for _ in range(15)]
        >>> samples = samples_from_columns(users=users, p95=[12.0] * len(users))
        >>> result = analyze(samples)
        >>> result.pattern, result.saturation
        (<Pattern.HEALTHY: 'healthy'>, None)
    """
    columns = Columns.of(total)
    plateaus = list(steps) if steps is not None else steps_from_series(total)
    summaries = [summarize_step(columns, step) for step in plateaus]
    kept = [(p, s) for p, s in zip(plateaus, summaries, strict=True) if _usable(s)]
    plateaus, summaries = [p for p, _ in kept], [s for _, s in kept]
    measured = int(np.count_nonzero(~np.isnan(columns.p95)))
    graceful, grace = judge_grace(summaries)
    evidence: dict[str, Any] = {
        "measured_seconds": measured,
        "steps": [summary.to_dict() for summary in summaries],
        **grace,
    }
    context = _Context(summaries, graceful, evidence, load_unit)
    if measured == 0:
        return context.inconclusive(
            "no request completed with a response time, so there is no latency to read",
            fix=NO_LATENCY_FIX,
        )
    failed = _all_failed(columns)
    if failed is not None:
        return context.inconclusive(failed, fix=NO_LATENCY_FIX)
    if measured < t.MIN_SERIES_SECONDS:
        return context.inconclusive(
            f"the run is too short to tell: {measured} seconds with requests, "
            f"at least {t.MIN_SERIES_SECONDS} are needed"
        )
    spikes = find_spikes(columns, _bursting(columns, plateaus, load_unit))
    sawtooth = find_sawtooth(spikes)
    if sawtooth is not None:
        return context.sawtooth(sawtooth, columns)
    context.note_spikes(spikes, float(columns.timestamp[0]))
    if len(summaries) < t.MIN_STEPS:
        held = {0: "no plateau", 1: "1 plateau"}.get(len(summaries), f"{len(summaries)} plateaus")
        return context.inconclusive(
            f"the load had {held} and at least {t.MIN_STEPS} are needed to see how latency "
            "and throughput follow it"
        )
    return _judge_steps(context, columns, plateaus, endpoints)


def _all_failed(columns: Columns) -> str | None:
    """Why a run whose every request failed cannot tell how the system held up, if so:
    the response times of errors (a refused connection takes a millisecond) are no
    latency."""
    requests, failures = int(np.nansum(columns.requests)), int(np.nansum(columns.failures))
    if requests and failures >= requests:
        return (
            f"every request failed ({failures:,} of {requests:,}), so their response times "
            "tell how fast the errors came, not how the system held up"
        )
    return None


def _usable(summary: StepSummary) -> bool:
    return summary.seconds >= t.MIN_STEP_SAMPLES and summary.p95_ms is not None


def _baseline(context: _Context, columns: Columns) -> Baseline | Analysis:
    """The plateaus' healthy baseline (noted in the evidence), or the inconclusive verdict
    of a run that has none to compare with."""
    baseline = baseline_of(columns, context.steps)
    if baseline is None:
        return context.inconclusive("the first plateaus have too few timed requests")
    first = context.steps[0]
    if first.failure_ratio >= t.CATASTROPHIC_FAILURE_RATIO:
        return context.inconclusive(
            f"{first.failure_ratio:.1%} of the requests failed already on the first plateau "
            f"({first.users} {context.unit}), so there is no healthy baseline to compare with",
            fix=NO_LATENCY_FIX,
        )
    context.evidence |= {
        "baseline_p95_ms": round(baseline.p95_ms, 2),
        "baseline_iqr_ms": round(baseline.iqr_ms, 2),
        "baseline_spread": round(baseline.spread, 2),
        "baseline_rps_per_user": round(baseline.rps_per_user, 4),
    }
    if baseline.spread > t.NOISY_BASELINE_SPREAD:
        return context.inconclusive(
            f"latency is too noisy to tell: the baseline's p95 varies by {baseline.iqr_ms:.0f} ms "
            f"from second to second (interquartile range), {baseline.spread:.1f}x the "
            f"{baseline.margin_ms:.0f} ms rise that would count as leaving it "
            f"(above {t.NOISY_BASELINE_SPREAD})"
        )
    return baseline


def _judge_steps(
    context: _Context,
    columns: Columns,
    plateaus: Sequence[Step],
    endpoints: Mapping[tuple[str, str], Sequence[Sample]] | None,
) -> Analysis:
    baseline = _baseline(context, columns)
    if isinstance(baseline, Analysis):
        return baseline
    degradation = find_saturation(context.steps, baseline)
    later = 0 if degradation is None else len(context.steps) - degradation.index - 1
    # Latency that left its baseline and came back on most heavier plateaus is noise.
    noisy = degradation is not None and later >= 2 and degradation.recovered * 2 >= later
    if endpoints:
        named = {f"{method} {name}": Columns.of(s) for (name, method), s in endpoints.items()}
        bottleneck = find_bottleneck(named, plateaus)
        if bottleneck is not None:
            return context.bottleneck(bottleneck, None if noisy else degradation)
    if degradation is None:
        return context.healthy(baseline.p95_ms)
    if noisy:
        return context.inconclusive(
            f"latency left its baseline at {context.steps[degradation.index].users} "
            f"{context.unit} "
            f"but came back on {degradation.recovered} of the {later} heavier plateaus: "
            "too noisy to tell"
        )
    return context.shape(degradation)


class _Context:
    """What every verdict shares: the plateaus, grace and the evidence gathered so far."""

    def __init__(
        self, steps: list[StepSummary], graceful: bool, evidence: dict[str, Any], unit: str
    ):
        self.steps = steps
        self.graceful = graceful
        self.evidence = evidence
        self.unit = unit
        self.spikes_story = ""

    def note_spikes(self, spikes: Spikes, run_start_ts: float) -> None:
        """Keep the spikes that make no sawtooth, for a healthy or inconclusive story."""
        if not spikes.onsets:
            return
        self.evidence |= {
            "spikes": len(spikes.onsets),
            "spike_offsets_s": [round(onset - run_start_ts) for onset in spikes.onsets],
            "spike_peak_p95_ms": round(spikes.peak_p95_ms, 2),
            "between_spikes_p95_ms": round(spikes.baseline_p95_ms, 2),
        }
        self.spikes_story = tell_spikes(spikes, run_start_ts)

    def _grace(self, degraded: bool = True) -> str:
        collapsed = self.evidence.get("rps_after_peak")
        worst = float(self.evidence["max_step_failure_ratio"])
        return grace_sentence(self.graceful, worst, collapsed, degraded)

    def _verdict(self, pattern: Pattern, story: str, **fields: Any) -> Analysis:
        return Analysis(
            pattern=pattern,
            graceful=self.graceful,
            saturation=fields.get("saturation"),
            bottleneck_endpoint=fields.get("bottleneck_endpoint"),
            period_s=fields.get("period_s"),
            evidence=self.evidence,
            story=story,
            fix=fields.get("fix", FIXES[pattern]),
            steps=tuple(self.steps),
            load_unit=self.unit,
        )

    def inconclusive(self, reason: str, fix: str = FIXES[Pattern.INCONCLUSIVE]) -> Analysis:
        self.evidence["reason"] = reason
        story = " ".join(filter(None, (f"Inconclusive: {reason}.", self.spikes_story)))
        return self._verdict(Pattern.INCONCLUSIVE, story, fix=fix)

    def sawtooth(self, sawtooth: Sawtooth, columns: Columns) -> Analysis:
        baseline = baseline_of(columns, self.steps) if self.steps else None
        degradation = None
        if baseline is not None and len(self.steps) >= t.MIN_STEPS:
            degradation = find_saturation(self.steps, baseline)
        saturation = None if degradation is None else saturation_point(self.steps, degradation)
        self.evidence |= {
            "period_s": round(sawtooth.period_s, 2),
            "period_strength": round(sawtooth.strength, 3),
            "spikes": sawtooth.spikes,
            "regular_gaps": round(sawtooth.regular_gaps, 2),
            "spike_p95_ms": round(sawtooth.spike_p95_ms, 2),
            "between_spikes_p95_ms": round(sawtooth.baseline_p95_ms, 2),
        }
        loads = len({step.users for step in self.steps})
        story = f"{tell_sawtooth(sawtooth, saturation, self.unit, loads)} {self._grace()}"
        return self._verdict(
            Pattern.SAWTOOTH, story, saturation=saturation, period_s=sawtooth.period_s
        )

    def bottleneck(self, bottleneck: Bottleneck, degradation: Degradation | None) -> Analysis:
        """One endpoint departed alone; the whole system may have saturated after it."""
        saturation = None if degradation is None else saturation_point(self.steps, degradation)
        if degradation is not None:
            self.evidence["saturation_reasons"] = list(degradation.reasons)
        self.evidence |= {
            "bottleneck_baseline_ms": round(bottleneck.baseline_ms, 2),
            "bottleneck_departed_users": bottleneck.departed_users,
            "bottleneck_last_ms": round(bottleneck.last_ms, 2),
            "bottleneck_growth": round(bottleneck.growth, 2),
            "others_max_growth": round(bottleneck.others_max_growth, 2),
            "others_median_growth": round(bottleneck.others_median_growth, 2),
            "others_final_median_growth": round(bottleneck.others_final_median_growth, 2),
        }
        told = tell_bottleneck(bottleneck, self.unit, saturation, self.steps, self.evidence)
        story = f"{told} {self._grace()}"
        fix = f"{FIXES[Pattern.FLAT_THEN_SPIKE]} ({bottleneck.endpoint})"
        return self._verdict(
            Pattern.FLAT_THEN_SPIKE,
            story,
            saturation=saturation,
            bottleneck_endpoint=bottleneck.endpoint,
            fix=fix,
        )

    def healthy(self, baseline_p95: float) -> Analysis:
        held = tell_healthy(self.steps, baseline_p95, self.unit, spiked=bool(self.spikes_story))
        story = " ".join(filter(None, (held, self.spikes_story, self._grace(degraded=False))))
        fix = SPIKES_FIX if self.spikes_story else FIXES[Pattern.HEALTHY]
        return self._verdict(Pattern.HEALTHY, story, fix=fix)

    def shape(self, degradation: Degradation) -> Analysis:
        open_model = self.unit == ARRIVALS_UNIT
        pattern, shape = classify_shape(self.steps, degradation, open_model=open_model)
        saturation = saturation_point(self.steps, degradation)
        self.evidence |= {"saturation_reasons": list(degradation.reasons), **shape}
        baseline_p95 = float(self.evidence["baseline_p95_ms"])
        story = tell_shape(
            pattern, self.steps, saturation, baseline_p95, self.evidence, unit=self.unit
        )
        return self._verdict(pattern, f"{story} {self._grace()}", saturation=saturation)
