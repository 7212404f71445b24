"""The analysis names the right pattern, point, period and endpoint on synthetic runs."""

from __future__ import annotations

import re

import pytest
from tests.unit.analysis import synthetic

from horde.analysis import Pattern, analyze

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
