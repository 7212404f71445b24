"""One endpoint departing from its baseline while the others stay flat."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from horde.analysis import _thresholds as t
from horde.analysis._model import Step
from horde.analysis._prepare import Columns, median_or_none

__all__ = ["Bottleneck", "find_bottleneck"]


@dataclass(frozen=True, slots=True)
class Bottleneck:
    """The endpoint that departed alone, with its and the others' growth."""

    endpoint: str
    baseline_ms: float
    departed_users: int
    departed_ms: float
    last_users: int
    last_ms: float
    growth: float
    others_max_growth: float
    others_median_growth: float
    others: int
    others_final_median_growth: float = 1.0
    """The other endpoints' median growth on the heaviest plateau (they may slow down
    later, when the whole system saturates)."""


def _levels(columns: Columns, steps: Sequence[Step]) -> list[float | None]:
    """Return the endpoint's median p50 on each plateau (None when too few seconds)."""
    levels: list[float | None] = []
    for step in steps:
        values = columns.p50[columns.settled(step.start_ts, step.end_ts)]
        enough = np.count_nonzero(~np.isnan(values)) >= t.MIN_STEP_SAMPLES
        levels.append(median_or_none(values) if enough else None)
    return levels


def _baseline(levels: Sequence[float | None]) -> float | None:
    early = [v for v in levels[: t.BASELINE_STEPS] if v is not None]
    return float(np.median(early)) if early else None


def _dominant(deltas: Mapping[str, float], ratios: Mapping[str, float]) -> str | None:
    """Return the endpoint whose increase dwarfs every other's on one plateau, if any."""
    if len(deltas) < 2:
        return None
    ranked = sorted(deltas, key=deltas.__getitem__, reverse=True)
    top, runner_up = deltas[ranked[0]], max(deltas[ranked[1]], 0.0)
    departed = top >= t.ENDPOINT_DEPARTURE_MIN_MS and ratios[ranked[0]] >= (
        t.ENDPOINT_DEPARTURE_RATIO
    )
    return ranked[0] if departed and top >= t.ENDPOINT_DOMINANCE * runner_up else None


def find_bottleneck(endpoints: Mapping[str, Columns], steps: Sequence[Step]) -> Bottleneck | None:
    """Find the endpoint whose median latency departs alone, or None.

    On each plateau every endpoint's median p50 is compared with its own baseline (the
    first :data:`BASELINE_STEPS` plateaus). An endpoint dominates a plateau when it is
    :data:`ENDPOINT_DEPARTURE_RATIO` times its baseline, :data:`ENDPOINT_DEPARTURE_MIN_MS`
    above it, and its increase is :data:`ENDPOINT_DOMINANCE` times any other endpoint's
    (CPU queueing adds the same milliseconds to all, so none dominates). It is the
    bottleneck once it dominates :data:`ENDPOINT_PERSISTENT_STEPS` plateaus (the one that
    dominates most, should several).

    Args:
        endpoints: Each endpoint's columns, keyed ``"METHOD name"``.
        steps: The plateaus, in order of load.
    """
    levels = {name: _levels(columns, steps) for name, columns in endpoints.items()}
    baselines = {name: _baseline(values) for name, values in levels.items()}
    wins: dict[str, list[int]] = {}
    for index in range(t.BASELINE_STEPS, len(steps)):
        deltas: dict[str, float] = {}
        ratios: dict[str, float] = {}
        for name, values in levels.items():
            base, level = baselines[name], values[index]
            if base is not None and level is not None and base > 0:
                deltas[name], ratios[name] = level - base, level / base
        winner = _dominant(deltas, ratios)
        if winner is not None:
            wins.setdefault(winner, []).append(index)
    if not wins:
        return None
    name = max(wins, key=lambda endpoint: len(wins[endpoint]))
    if len(wins[name]) < t.ENDPOINT_PERSISTENT_STEPS:
        return None
    return _describe(name, wins[name], levels, baselines, steps)


def _describe(
    name: str,
    indices: Sequence[int],
    levels: Mapping[str, Sequence[float | None]],
    baselines: Mapping[str, float | None],
    steps: Sequence[Step],
) -> Bottleneck:
    last = indices[-1]
    base = baselines[name] or 0.0

    def others_growth(index: int) -> list[float]:
        return [
            level / baseline
            for other, values in levels.items()
            if other != name
            and (baseline := baselines[other])
            and (level := values[index]) is not None
        ]

    growths = others_growth(last)
    final = others_growth(len(steps) - 1)
    last_ms = levels[name][last] or 0.0
    return Bottleneck(
        endpoint=name,
        baseline_ms=base,
        departed_users=steps[indices[0]].users,
        departed_ms=levels[name][indices[0]] or 0.0,
        last_users=steps[last].users,
        last_ms=last_ms,
        growth=last_ms / base if base > 0 else 0.0,
        others_max_growth=max(growths, default=1.0),
        others_median_growth=float(np.median(growths)) if growths else 1.0,
        others=len(growths),
        others_final_median_growth=float(np.median(final)) if final else 1.0,
    )
