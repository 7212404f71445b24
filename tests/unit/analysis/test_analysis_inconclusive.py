"""Too short, too noisy or too flat a load: the analysis says it cannot tell, and why."""

from __future__ import annotations

import numpy as np
import pytest
from tests.unit.analysis import synthetic

from horde.analysis import Pattern, analyze, samples_from_columns


def test_an_empty_run_is_inconclusive():
    analysis = analyze([])
    assert analysis.pattern is Pattern.INCONCLUSIVE
    assert "too short" in analysis.story
    assert analysis.saturation is None
    assert analysis.evidence["steps"] == []


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
    analysis = analyze(synthetic.healthy(seed, sigma=1.8).total)
    assert analysis.pattern is Pattern.INCONCLUSIVE
    assert "noisy" in analysis.story
    assert analysis.evidence["baseline_spread"] > 1.5


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


def test_random_spikes_are_not_a_sawtooth():
    rng = np.random.default_rng(3)
    users = [u for u in range(100, 700, 100) for _ in range(25)]
    p95 = [8.0] * len(users)
    for index in rng.choice(len(users), size=12, replace=False):
        p95[index] = 900.0
    analysis = analyze(samples_from_columns(users=users, p95=p95))
    assert analysis.pattern is not Pattern.SAWTOOTH
