"""The public surface of horde.analysis: exports, input helpers and the JSON shape."""

from __future__ import annotations

import doctest
import importlib
import json

import pytest
from tests.unit.analysis import synthetic

import horde.analysis
from horde.analysis import Analysis, Pattern, Step, analyze, samples_from_columns, steps_from_series
from horde.stats import TimeSeries


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_all_is_sorted_and_complete():
    exported = horde.analysis.__all__
    assert exported == sorted(exported, key=_isort_key)
    public = {name for name in vars(horde.analysis) if not name.startswith("_")}
    modules = {n for n in public if type(getattr(horde.analysis, n)).__name__ == "module"}
    assert set(exported) == public - modules


def test_exported_names():
    assert horde.analysis.__all__ == [
        "Analysis",
        "Pattern",
        "Saturation",
        "Step",
        "StepSummary",
        "analyze",
        "samples_from_columns",
        "steps_from_series",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "horde.analysis",
        "horde.analysis._analyze",
        "horde.analysis._model",
        "horde.analysis._prepare",
    ],
)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0


@pytest.mark.parametrize("name", sorted(synthetic.GENERATORS))
def test_to_dict_has_the_summary_json_shape(name):
    run = synthetic.GENERATORS[name](0)
    result = analyze(run.total, run.endpoints).to_dict()
    assert list(result) == [
        "pattern",
        "graceful",
        "saturation",
        "bottleneck_endpoint",
        "period_s",
        "evidence",
        "story",
        "fix",
        "load_unit",
    ]
    assert result["load_unit"] == "users"
    assert result["pattern"] in {pattern.value for pattern in Pattern}
    assert isinstance(result["graceful"], bool)
    assert result["saturation"] is None or set(result["saturation"]) == {"users", "rps"}
    assert json.loads(json.dumps(result)) == result
    assert result["story"]
    assert result["fix"]


def test_a_time_series_reads_the_same_as_a_list_of_samples():
    run = synthetic.linear(0)
    series = TimeSeries("Aggregated", "")
    for sample in run.total:
        series.append(sample)
    assert analyze(series) == analyze(run.total)


def test_plateaus_are_derived_from_user_counts_ramps_left_out():
    users = [10, 20, 30] + [40] * 8 + [45, 50] + [60] * 6 + [30] * 10 + [80] * 5
    steps = steps_from_series(samples_from_columns(users=users, p95=[5.0] * len(users)))
    assert [(step.users, step.start_ts, step.end_ts) for step in steps] == [
        (40, 3.0, 11.0),
        (60, 13.0, 19.0),
        (80, 29.0, 34.0),
    ]


def test_explicit_steps_override_the_user_counts():
    run = synthetic.linear(0)
    start = run.total[0].timestamp - 1
    steps = [Step(start + 18 * i, start + 18 * (i + 1), 100 * (i + 1)) for i in range(10)]
    assert analyze(run.total, run.endpoints, steps) == analyze(run.total, run.endpoints)


def test_samples_from_columns_fills_in_the_missing_columns():
    samples = samples_from_columns(users=[3, 6], p95=[10.0, None], start_ts=100.0)
    assert [s.timestamp for s in samples] == [101.0, 102.0]
    assert [s.rps for s in samples] == [1.0, 2.0]
    assert samples[0].p50 == 5.0
    assert samples[1].p50 is None
    assert samples[1].total_requests == 3


def test_an_analysis_is_frozen():
    analysis = analyze([])
    assert isinstance(analysis, Analysis)
    with pytest.raises(AttributeError):
        analysis.pattern = Pattern.HEALTHY  # type: ignore[misc]


def test_a_stepped_arrival_rate_tells_its_story_in_iterations_per_second():
    run = synthetic.linear(0)
    result = analyze(run.total, run.endpoints, load_unit="iterations/s")
    assert result.load_unit == "iterations/s"
    assert result.to_dict()["load_unit"] == "iterations/s"
    assert "iterations/s" in result.story
    assert " users" not in result.story


def test_an_open_model_past_saturation_tells_of_a_queue_not_of_proportion():
    run = synthetic.linear(0)
    closed = analyze(run.total, run.endpoints)
    opened = analyze(run.total, run.endpoints, load_unit="iterations/s")
    assert closed.pattern is opened.pattern is Pattern.LINEAR
    assert "in proportion to the load" in closed.story
    # Arrivals that outrun service queue for as long as the overload lasts.
    assert "in proportion" not in opened.story
    assert "iterations arrived faster than they were served" in opened.story
