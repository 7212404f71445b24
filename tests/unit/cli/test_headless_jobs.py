"""The periodic jobs of a headless run keep their beat through stalls."""

from __future__ import annotations

import pytest

from horde.cli._headless import _next_run


def test_on_time_the_next_run_is_one_interval_on():
    assert _next_run(10.0, 1.0, now=10.02) == 11.0


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (12.3, 13.0),  # two beats missed: skipped, not run in a burst
        (12.7, 14.0),  # the next beat would come 0.3 s after the late run: that one too
        (11.0, 12.0),
    ],
)
def test_after_a_stall_the_missed_runs_are_skipped_on_the_same_beat(now, expected):
    assert _next_run(10.0, 1.0, now=now) == pytest.approx(expected)
