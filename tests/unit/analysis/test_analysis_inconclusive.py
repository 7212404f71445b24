"""Too short, too noisy or too flat a load: the analysis says it cannot tell, and why."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from tests.unit.analysis import synthetic

from horde.analysis import Pattern, Step, analyze, samples_from_columns


def test_an_empty_run_is_inconclusive():
    analysis = analyze([])
    assert analysis.pattern is Pattern.INCONCLUSIVE
    assert "no request completed" in analysis.story
    assert analysis.saturation is None
    assert analysis.evidence["steps"] == []


def test_a_run_whose_requests_never_completed_says_so_rather_than_too_short():
    # A target that never answered: 30 seconds, none with a response time.
    analysis = analyze(samples_from_columns(users=[10] * 30, p95=[float("nan")] * 30))
    assert analysis.evidence["reason"].startswith("no request completed")
    assert "too short" not in analysis.story
    # More load would not help: the advice is to look at the tasks and the host.
    assert "make requests" in analysis.fix
    assert "plateaus" not in analysis.fix


def test_a_run_whose_every_request_failed_says_so_rather_than_fine_then_failing():
    # A target that refuses connections: fast failures, every one of them.
    users = [u for u in (20, 40, 60) for _ in range(8)]
    rps = [u / 3 for u in users]
    samples = samples_from_columns(
        users=users, p95=[0.7] * len(users), rps=rps, failures=[round(r) for r in rps]
    )
    for total in (samples, samples[:3]):
        analysis = analyze(total)
        assert analysis.pattern is Pattern.INCONCLUSIVE
        assert "every request failed" in analysis.story
        assert "host answers" in analysis.fix


def test_a_load_failing_from_its_first_plateau_has_no_baseline():
    users = [u for u in (100, 200, 300, 400) for _ in range(15)]
    rps = [u / 3 for u in users]
    failures = [round(r * 0.3) for r in rps]  # 30% from the start
    analysis = analyze(samples_from_columns(users=users, p95=[8.0] * 60, failures=failures))
    assert analysis.pattern is Pattern.INCONCLUSIVE
    assert "failed already on the first plateau (100 users)" in analysis.story


def test_failures_on_a_constant_load_with_periodic_stalls_still_make_a_sawtooth():
    # A sawtooth needs no baseline: failing requests do not hide the period.
    run = synthetic.sawtooth(0, steps=False)
    failing = [dataclasses.replace(s, failures=round(s.requests * 0.06)) for s in run.total]
    analysis = analyze(failing)
    assert analysis.pattern is Pattern.SAWTOOTH


def test_a_short_run_is_told_to_run_a_step_load():
    assert "three plateaus" in analyze(synthetic.too_short(0).total).fix


def test_a_short_run_is_inconclusive_and_says_how_long_it_was():
    analysis = analyze(synthetic.too_short(0).total)
    assert analysis.pattern is Pattern.INCONCLUSIVE
    assert "15 seconds" in analysis.story
    assert analysis.evidence["measured_seconds"] == 15


def test_a_constant_load_without_spikes_is_inconclusive():
    analysis = analyze(synthetic.constant_load(0).total)
    assert analysis.pattern is Pattern.INCONCLUSIVE
    assert "1 plateau" in analysis.evidence["reason"]


@pytest.mark.parametrize("seed", range(4))
def test_wildly_jittering_latency_is_too_noisy(seed):
    # At 50 ms a plateau leaves the baseline by doubling: jitter of sigma 1.8 does as much.
    analysis = analyze(synthetic.healthy(seed, sigma=1.8, p95_ms=50.0).total)
    assert analysis.pattern is Pattern.INCONCLUSIVE
    assert "noisy" in analysis.story
    assert analysis.evidence["baseline_spread"] > 1.5


@pytest.mark.parametrize("seed", range(4))
def test_jitter_is_judged_against_the_rise_that_would_count(seed):
    # A 5 ms baseline jittering by a few ms: far from the 20 ms rise that counts as
    # leaving it, so the run is judged, not given up on as noisy.
    analysis = analyze(synthetic.healthy(seed, sigma=1.6).total)
    assert analysis.pattern is Pattern.HEALTHY, analysis.story
    assert analysis.evidence["baseline_spread"] < 1.5
    # ... though its interquartile range is well over 1.5x its median.
    evidence = analysis.evidence
    assert evidence["baseline_iqr_ms"] > 1.5 * evidence["baseline_p95_ms"]


def test_latency_that_departs_and_comes_back_is_too_noisy():
    levels = [10.0, 10.0, 10.0, 80.0, 80.0, 10.0, 10.0, 10.0, 10.0]
    users = [u for u in range(100, 1000, 100) for _ in range(15)]
    p95 = [level for level in levels for _ in range(15)]
    analysis = analyze(samples_from_columns(users=users, p95=p95))
    assert analysis.pattern is Pattern.INCONCLUSIVE
    assert "came back" in analysis.story


def test_seconds_without_requests_are_not_measured():
    users = [100] * 30
    analysis = analyze(samples_from_columns(users=users, p95=[None] * 30, rps=[0.0] * 30))
    assert analysis.pattern is Pattern.INCONCLUSIVE
    assert analysis.evidence["measured_seconds"] == 0


def test_a_sawtooth_shows_even_on_a_constant_load():
    analysis = analyze(synthetic.sawtooth(0, steps=False).total)
    assert analysis.pattern is Pattern.SAWTOOTH
    assert analysis.saturation is None
    assert "whatever the load" not in analysis.story  # one load: nothing to compare


def test_a_sawtooth_over_a_step_load_is_said_to_hold_whatever_the_load():
    analysis = analyze(synthetic.sawtooth(0).total)
    assert "whatever the load" in analysis.story


def test_random_spikes_are_not_a_sawtooth_but_are_told():
    rng = np.random.default_rng(3)
    users = [u for u in range(100, 700, 100) for _ in range(25)]
    p95 = [8.0] * len(users)
    for index in rng.choice(len(users), size=12, replace=False):
        p95[index] = 900.0
    analysis = analyze(samples_from_columns(users=users, p95=p95))
    assert analysis.pattern is Pattern.HEALTHY
    assert analysis.story.startswith("No lasting degradation")
    spikes = analysis.evidence["spikes"]
    assert 3 <= spikes <= 12  # neighbouring spike seconds merge
    assert len(analysis.evidence["spike_offsets_s"]) == spikes
    assert analysis.evidence["spike_peak_p95_ms"] == 900.0
    assert f"spiked {spikes} times, to a p95 of up to 900 ms against 8.0 ms" in analysis.story
    assert f" s into the run (and {spikes - 5} more), at no regular period" in analysis.story
    assert "Find what paused" in analysis.fix


def _two_stalls_in_a_short_run() -> list[float]:
    p95 = [5.0] * 24
    p95[5] = p95[13] = 880.0
    return p95


def test_two_spikes_are_too_few_for_a_period_and_the_story_says_so():
    p95 = _two_stalls_in_a_short_run()
    users = [20] * 8 + [40] * 8 + [60] * 8
    analysis = analyze(samples_from_columns(users=users, p95=p95))
    assert analysis.pattern is Pattern.HEALTHY
    assert analysis.evidence["spike_offsets_s"] == [5, 13]
    assert "spiked twice, to a p95 of up to 880 ms against 5.0 ms otherwise, 5 and 13 s" in (
        analysis.story
    )
    assert "13 s into the run, about 8 s apart: a run of several more such periods" in (
        analysis.story
    )


def test_three_spikes_a_period_apart_in_a_short_run_are_not_said_to_be_irregular():
    # 25 s with a stall every 10 s: too short to confirm a period, not irregular either.
    p95 = [2.0] * 25
    for index in (2, 12, 22):
        p95[index] = 935.0
    analysis = analyze(samples_from_columns(users=[20] * 25, p95=p95), steps=[])
    assert analysis.evidence["spikes"] == 3
    assert "no regular period" not in analysis.story
    assert "2, 12 and 22 s into the run, about 10 s apart" in analysis.story


def test_one_spike_asks_for_a_run_long_enough_for_three():
    p95 = [2.0] * 24
    p95[6] = 900.0
    analysis = analyze(samples_from_columns(users=[20] * 24, p95=p95), steps=[])
    assert "spiked once" in analysis.story
    assert "a run long enough for 3 such spikes would tell whether it comes back" in (
        analysis.story
    )


def test_spikes_are_told_in_an_inconclusive_story_too():
    analysis = analyze(samples_from_columns(users=[30] * 24, p95=_two_stalls_in_a_short_run()))
    assert analysis.pattern is Pattern.INCONCLUSIVE
    assert "1 plateau" in analysis.story
    assert "spiked twice" in analysis.story
    assert analysis.evidence["spikes"] == 2


def test_a_run_without_spikes_names_none():
    analysis = analyze(synthetic.healthy(0).total)
    assert "spikes" not in analysis.evidence
    assert "spiked" not in analysis.story


def test_a_load_with_no_plateau_says_so():
    analysis = analyze(samples_from_columns(users=[30] * 24, p95=[5.0] * 24), steps=[])
    assert analysis.evidence["reason"].startswith("the load had no plateau and")


def test_spikes_that_no_lag_repeats_are_no_period():
    # Three spikes whose autocorrelation is negative at every peak: no period, no crash.
    p95 = [5.0] * 20
    for index in (1, 7, 16):
        p95[index] = 900.0
    analysis = analyze(samples_from_columns(users=[30] * 20, p95=p95), steps=[])
    assert analysis.pattern is Pattern.INCONCLUSIVE
    assert analysis.evidence["spikes"] == 3


def test_a_spike_at_an_arrival_rate_step_is_a_spike_unless_the_pool_grew_there():
    # A stall 2 s into the second plateau. With users it could be the new users' login
    # burst; new arrivals come in at the rate, so in the open model it is a spike, unless
    # the pool grew there and its new users' on_start made the burst.
    steps = [Step(0.0, 15.0, 20), Step(15.0, 30.0, 40), Step(30.0, 45.0, 60)]
    rates = [float(step.users) for step in steps for _ in range(15)]
    p95 = [5.0] * 45
    p95[16] = 900.0
    closed = analyze(samples_from_columns(users=[int(r) for r in rates], p95=p95))
    assert "spikes" not in closed.evidence
    steady = samples_from_columns(users=[8] * 45, p95=p95, rps=rates)
    opened = analyze(steady, steps=steps, load_unit="iterations/s")
    assert opened.evidence["spikes"] == 1
    assert opened.evidence["spike_offsets_s"] == [16]
    assert "Find what paused" in opened.fix
    grown = samples_from_columns(users=[8] * 15 + [41] * 30, p95=p95, rps=rates)
    assert "spikes" not in analyze(grown, steps=steps, load_unit="iterations/s").evidence
