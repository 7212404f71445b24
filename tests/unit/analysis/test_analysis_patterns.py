"""The analysis names the right pattern, point, period and endpoint on synthetic runs."""

from __future__ import annotations

import dataclasses
import re

import pytest
from tests.unit.analysis import synthetic

from horde.analysis import Pattern, analyze
from horde.analysis._bottleneck import Bottleneck
from horde.analysis._model import ARRIVALS_UNIT, Saturation, StepSummary
from horde.analysis._saturation import Degradation, classify_shape
from horde.analysis._story import grace_sentence, tell_bottleneck, tell_shape

SEEDS = range(4)


def _analyze(run: synthetic.Run):
    return analyze(run.total, run.endpoints)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(synthetic.GENERATORS))
def test_each_generated_pattern_is_recognised(name, seed):
    analysis = _analyze(synthetic.GENERATORS[name](seed))
    assert analysis.pattern == Pattern(name)
    assert analysis.to_dict()["pattern"] == name


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("saturation_users", "step"), [(550, 100), (450, 50), (650, 100), (500, 200)]
)
def test_linear_saturation_is_found_within_one_step(saturation_users, step, seed):
    run = synthetic.linear(seed, saturation_users=saturation_users, step=step)
    analysis = _analyze(run)
    assert analysis.pattern is Pattern.LINEAR
    assert analysis.saturation is not None
    assert abs(analysis.saturation.users - saturation_users) <= step
    assert analysis.saturation.rps == pytest.approx(saturation_users / 3, rel=0.1)
    assert analysis.evidence["r_squared"] >= 0.8
    # Each plateau's p95 carries the jitter of its seconds: a robust slope within 25%.
    assert analysis.evidence["slope_ms_per_100_users"] == pytest.approx(550, rel=0.25)


@pytest.mark.parametrize("seed", SEEDS)
def test_cliff_is_found_where_the_pool_runs_out_and_is_catastrophic(seed):
    analysis = _analyze(synthetic.cliff(seed))
    assert analysis.pattern is Pattern.CLIFF
    assert analysis.saturation is not None
    assert abs(analysis.saturation.users - 600) <= 100
    assert analysis.graceful is False
    assert analysis.evidence["max_step_failure_ratio"] >= 0.2
    assert analysis.evidence["jump_ratio"] > 10
    assert "pool" in analysis.fix


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("steps", [True, False], ids=["step-load", "constant-load"])
@pytest.mark.parametrize("period", [5.0, 7.5, 10.0, 15.0])
def test_sawtooth_period_is_within_20_percent(period, steps, seed):
    analysis = _analyze(synthetic.sawtooth(seed, period=period, steps=steps))
    assert analysis.pattern is Pattern.SAWTOOTH
    assert analysis.period_s == pytest.approx(period, rel=0.2)
    assert analysis.evidence["period_strength"] >= 0.3
    assert analysis.graceful is True


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("step_seconds", [15, 20])
def test_a_sawtooth_whose_spikes_meet_the_step_starts_keeps_its_period(step_seconds, seed):
    # Every second or third stall falls on a plateau's start and is left out with the
    # bursts there: the others still give the 10 s period.
    run = synthetic.sawtooth(seed, period=10.0, step_seconds=step_seconds)
    analysis = _analyze(run)
    assert analysis.pattern is Pattern.SAWTOOTH
    assert analysis.period_s == pytest.approx(10.0, rel=0.2)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_jump_to_a_ceiling_without_errors_is_a_cliff(seed):
    analysis = _analyze(synthetic.ceiling(seed))
    assert analysis.pattern is Pattern.CLIFF
    assert analysis.saturation is not None
    assert analysis.saturation.users == 600
    assert analysis.graceful is True
    assert analysis.evidence["later_growth_ms"] < 0.5 * analysis.evidence["jump_ms"]
    assert "held near" in analysis.story
    assert "reached its ceiling" in analysis.story


def test_a_cliff_of_failures_says_work_was_turned_away():
    analysis = _analyze(synthetic.cliff(0))
    assert "requests started failing, up to" in analysis.story
    assert "turning work away" in analysis.story


@pytest.mark.parametrize("spike_ms", [150.0, 400.0])
def test_smaller_pauses_still_make_a_sawtooth(spike_ms):
    analysis = _analyze(synthetic.sawtooth(1, spike_ms=spike_ms))
    assert analysis.pattern is Pattern.SAWTOOTH
    assert analysis.period_s == pytest.approx(10.0, rel=0.2)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_endpoint_that_departs_alone_is_the_bottleneck(seed):
    analysis = _analyze(synthetic.flat_then_spike(seed))
    assert analysis.pattern is Pattern.FLAT_THEN_SPIKE
    assert analysis.bottleneck_endpoint == "GET /api/mobile/feed"
    assert analysis.evidence["bottleneck_growth"] > 5
    assert analysis.evidence["others_max_growth"] < 1.5
    assert "GET /api/mobile/feed" in analysis.fix


@pytest.mark.parametrize("seed", SEEDS)
def test_a_bottleneck_followed_by_the_whole_system_saturating_tells_both(seed):
    analysis = _analyze(synthetic.bottleneck_then_saturation(seed))
    assert analysis.pattern is Pattern.FLAT_THEN_SPIKE
    assert analysis.bottleneck_endpoint == "GET /api/mobile/feed"
    assert analysis.saturation is not None
    assert analysis.saturation.users == 600
    assert "The aggregate saturated at 600 users" in analysis.story
    assert re.search(r"where its p95 left its [5-6]\.\d ms baseline", analysis.story)
    assert "past the bottleneck, the whole system saturated" in analysis.story
    assert "the other endpoints slowing with it (median" in analysis.story
    assert analysis.evidence["others_final_median_growth"] > 10
    assert analysis.evidence["saturation_reasons"]


def test_other_endpoints_that_grew_are_not_said_to_have_stayed_flat():
    slow = Bottleneck("GET /feed", 2.0, 300, 9.0, 500, 41.0, 20.5, 16.7, 10.0, 6)
    assert "the 6 other endpoints grew far less (at most 16.7x" in tell_bottleneck(slow)
    flat = dataclasses.replace(slow, others_max_growth=1.3, others_median_growth=1.1)
    assert "the 6 other endpoints stayed flat (at most 1.3x" in tell_bottleneck(flat)


def test_a_bottleneck_story_claims_only_what_the_aggregate_showed():
    # Throughput alone saturated, and the other endpoints kept their pace: no word of
    # the aggregate's p95 leaving its baseline, nor of the whole system saturating.
    slow = Bottleneck("GET /feed", 2.0, 50, 9.0, 75, 41.0, 20.5, 1.2, 1.1, 3, 0.99)
    steps = _plateaus([6, 6, 6, 6], [0.0] * 4)
    evidence = {"saturation_reasons": ["throughput"], "baseline_p95_ms": 6.0}
    story = tell_bottleneck(slow, "users", Saturation(100, 90.0), steps, evidence)
    assert "The aggregate saturated at 100 users (90 req/s), where throughput stopped" in story
    assert "p95 left" not in story
    assert "whole system" not in story


def _plateaus(p95s: list[float], failures: list[float]) -> list[StepSummary]:
    return [
        StepSummary(25 * (i + 1), 15.0 * i, 15.0 * (i + 1), 12, 25.0 * (i + 1), p95 / 2, p95, f)
        for i, (p95, f) in enumerate(zip(p95s, failures, strict=True))
    ]


def test_in_the_open_model_failures_of_a_growing_queue_do_not_make_a_cliff():
    # Past the service rate the queue grows until requests time out, whatever the limit:
    # latency that keeps climbing says the service rate, not a pool turning work away.
    steps = _plateaus([30, 32, 400, 1500, 4000], [0.0, 0.0, 0.0, 0.012, 0.058])
    degradation = Degradation(index=2, reasons=("latency",), recovered=0)
    assert classify_shape(steps, degradation, open_model=True)[0] is Pattern.LINEAR
    assert classify_shape(steps, degradation)[0] is Pattern.CLIFF  # a closed model's
    shape = classify_shape(steps, degradation, open_model=True)[1]
    evidence = {"saturation_reasons": ["latency"], **shape}
    story = tell_shape(
        Pattern.LINEAR, steps, Saturation(75, 75.0), 31.0, evidence, unit=ARRIVALS_UNIT
    )
    assert "up to 5.8% of a step's requests failed as they waited" in story
    assert story.endswith("the service rate is the limit.")


def test_in_the_open_model_fast_rejections_are_still_a_cliff():
    # Failures without a queue (latency flat) are work turned away: a limit, not the rate.
    steps = _plateaus([8, 8, 8.2, 8.4], [0.0, 0.0, 0.1, 0.3])
    degradation = Degradation(index=2, reasons=("failures",), recovered=0)
    assert classify_shape(steps, degradation, open_model=True)[0] is Pattern.CLIFF


def test_the_story_says_only_what_showed_the_saturation():
    steps = _plateaus([10, 11, 60, 120], [0.0, 0.0, 0.0, 0.0])
    latency_only = {"saturation_reasons": ["latency"], "slope_ms_per_100_users": 80.0}
    story = tell_shape(Pattern.LINEAR, steps, Saturation(75, 75.0), 8.5, latency_only)
    assert story.startswith(
        "The system saturated at about 75 users (75 req/s), where p95 left its 8.5 ms baseline."
    )
    assert "hroughput stopped" not in story
    both = {**latency_only, "saturation_reasons": ["latency", "throughput"]}
    story = tell_shape(Pattern.LINEAR, steps, Saturation(75, 75.0), 8.5, both)
    assert "baseline and throughput stopped growing with load." in story


def test_a_second_plateau_already_saturated_is_left_out_of_the_baseline():
    # Saturated at 150 users: the 200-user plateau must not raise the baseline.
    analysis = _analyze(synthetic.linear(0, saturation_users=150, step=100))
    assert analysis.saturation is not None
    assert analysis.saturation.users == 200
    assert analysis.evidence["baseline_p95_ms"] < 15  # the first plateau's ~10 ms


def test_a_healthy_run_makes_no_claim_of_grace():
    analysis = _analyze(synthetic.healthy(0))
    assert "graceful" not in analysis.story
    assert analysis.story.endswith("failed.")
    # Flat latency with a failing plateau: no "degraded" either, just what failed.
    assert grace_sentence(False, 0.08, None, degraded=False) == (
        "Yet up to 8.0% of a step's requests failed."
    )


def test_without_endpoints_the_aggregate_alone_cannot_name_a_bottleneck():
    run = synthetic.flat_then_spike(0)
    analysis = analyze(run.total)
    assert analysis.pattern is Pattern.HEALTHY
    assert analysis.bottleneck_endpoint is None


@pytest.mark.parametrize("name", ["linear", "cliff"])
def test_queueing_on_every_endpoint_names_no_bottleneck(name):
    analysis = _analyze(synthetic.GENERATORS[name](0))
    assert analysis.bottleneck_endpoint is None


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_reaches_no_saturation(seed):
    analysis = _analyze(synthetic.healthy(seed))
    assert analysis.saturation is None
    assert analysis.graceful is True
    assert "not reached" in analysis.story
    assert "higher load" in analysis.fix


def test_bursts_at_each_plateau_start_are_the_step_load_not_a_sawtooth():
    analysis = _analyze(synthetic.step_start_bursts(0))
    assert analysis.pattern is Pattern.HEALTHY
    assert analysis.period_s is None


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("linear", ["saturation.users", "slope_ms_per_100_users", "r_squared"]),
        ("cliff", ["saturation.users", "last_healthy_users", "max_step_failure_ratio"]),
        ("sawtooth", ["period_s", "spikes", "period_strength"]),
        ("flat_then_spike", ["bottleneck_departed_users", "bottleneck_growth"]),
        ("healthy", ["baseline_p95_ms"]),
    ],
)
def test_the_story_quotes_the_evidence(name, expected):
    analysis = _analyze(synthetic.GENERATORS[name](0))
    said = _numbers(analysis.story)
    for key in expected:
        if key == "saturation.users":
            assert analysis.saturation is not None
            value = float(analysis.saturation.users)
        else:
            value = float(analysis.evidence[key])
        renderings = {f"{value:.0f}", f"{value:.1f}", f"{value:.2f}", f"{value * 100:.1f}"}
        assert renderings & said, (key, value, analysis.story)
