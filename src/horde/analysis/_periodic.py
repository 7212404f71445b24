"""Sawtooth detection: latency spikes that come back at a regular period and recover."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from horde.analysis import _thresholds as t
from horde.analysis._model import Step
from horde.analysis._prepare import Columns, FloatArray

__all__ = ["Sawtooth", "Spikes", "find_sawtooth", "find_spikes"]


@dataclass(frozen=True, slots=True)
class Sawtooth:
    """A regular rhythm of spikes in the per-second p95."""

    period_s: float
    strength: float
    spikes: int
    regular_gaps: float
    spike_p95_ms: float
    baseline_p95_ms: float


@dataclass(frozen=True, slots=True, eq=False)
class Spikes:
    """The seconds whose p95 jumped well above the local level, grouped into spikes.

    Attributes:
        timestamps: Epoch seconds of the seconds with a measured p95.
        p95: Their p95, in milliseconds.
        excess: Their log-excess over the local level; 0.0 where the second did not spike.
        onsets: Epoch seconds of each spike's first second (spike seconds closer than
            :data:`SPIKE_MERGE_SECONDS` belong to one spike).
    """

    timestamps: FloatArray
    p95: FloatArray
    excess: FloatArray
    onsets: tuple[float, ...]

    @property
    def spike_p95_ms(self) -> float:
        """Median p95 of the seconds that spiked (NaN without spikes)."""
        spiking = self.excess > 0
        return float(np.median(self.p95[spiking])) if spiking.any() else float("nan")

    @property
    def peak_p95_ms(self) -> float:
        """Highest p95 of a second that spiked (NaN without spikes)."""
        spiking = self.excess > 0
        return float(self.p95[spiking].max()) if spiking.any() else float("nan")

    @property
    def baseline_p95_ms(self) -> float:
        """Median p95 of the other seconds."""
        return float(np.median(self.p95[self.excess <= 0]))


def _rolling_median(values: FloatArray) -> FloatArray:
    half = t.ROLLING_WINDOW_SECONDS // 2
    padded = np.pad(values, half, mode="edge")
    windows = sliding_window_view(padded, 2 * half + 1)
    result: FloatArray = np.median(windows, axis=1)
    return result


def _excess(columns: Columns, steps: Sequence[Step]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return the present seconds' timestamps, p95 and log-excess over the local level.

    A spike in the first seconds of a plateau is the new users' burst, which the step
    load itself causes, and carries no excess, unless there are spikes elsewhere too
    and it is about as strong as them (:data:`STEP_START_KEEP_RATIO`): a pause that
    falls on a step start.
    """
    present = ~np.isnan(columns.p95)
    timestamps = columns.timestamp[present]
    p95 = columns.p95[present]
    level = _rolling_median(p95)
    spike = (p95 >= t.SPIKE_RATIO * level) & (p95 >= level + t.SPIKE_MIN_DELTA_MS)
    ratio = np.divide(p95, level, out=np.ones_like(p95), where=level > 0)
    excess = np.where(spike, np.log(np.maximum(ratio, 1.0)), 0.0)
    at_start = np.zeros(len(timestamps), dtype=bool)
    for step in steps:
        at_start |= (timestamps > step.start_ts) & (
            timestamps <= step.start_ts + t.STEP_START_SECONDS
        )
    elsewhere = excess[spike & ~at_start]
    rhythm = elsewhere.size >= t.MIN_SPIKES
    keep = t.STEP_START_KEEP_RATIO * float(np.median(elsewhere)) if rhythm else np.inf
    excess[at_start & (excess < keep)] = 0.0
    return timestamps, p95, excess


def _onsets(timestamps: FloatArray, excess: FloatArray) -> tuple[float, ...]:
    onsets: list[float] = []
    last = -np.inf
    for ts in timestamps[excess > 0]:
        if ts - last > t.SPIKE_MERGE_SECONDS:
            onsets.append(float(ts))
        last = ts
    return tuple(onsets)


def _autocorrelation_period(timestamps: FloatArray, excess: FloatArray) -> tuple[int, float]:
    """Return the first strong autocorrelation peak's lag (seconds) and its value."""
    grid = np.zeros(round(float(timestamps[-1] - timestamps[0])) + 1)
    grid[np.round(timestamps - timestamps[0]).astype(int)] = excess
    centred = grid - grid.mean()
    energy = float(np.dot(centred, centred))
    max_lag = len(grid) // t.MIN_SPIKES
    if energy <= 0 or max_lag <= t.MIN_PERIOD_SECONDS:
        return 0, 0.0
    acf = np.array([np.dot(centred[:-lag], centred[lag:]) / energy for lag in range(1, max_lag)])
    candidates = range(t.MIN_PERIOD_SECONDS - 1, len(acf) - 1)
    peaks = [i for i in candidates if acf[i] >= acf[i - 1] and acf[i] >= acf[i + 1]]
    if not peaks:
        return 0, 0.0
    best = max(acf[i] for i in peaks)
    if best <= 0:  # no lag repeats the spikes
        return 0, 0.0
    first = next(i for i in peaks if acf[i] >= 0.6 * best)
    return first + 1, float(acf[first])


def _refine(onsets: Sequence[float], period: float) -> tuple[float, float, float]:
    """Fit ``period`` to the gaps between spike onsets.

    Returns:
        The period refined from the regular gaps, the share of gaps that are a whole
        number of periods, and the share of the periods spanned that had a spike.
    """
    gaps = np.diff(np.asarray(onsets))
    cycles = np.maximum(np.round(gaps / period), 1.0)
    per_cycle = gaps / cycles
    regular = np.abs(per_cycle - period) <= t.PERIOD_TOLERANCE * period
    coverage = float(len(gaps) / cycles.sum())
    if not regular.any():
        return period, 0.0, coverage
    return float(np.median(per_cycle[regular])), float(regular.mean()), coverage


def _fit_period(onsets: Sequence[float], lag: int) -> tuple[float, float] | None:
    """Return the period and its regular share, trying ``lag`` and its fractions.

    On a one-second grid a period that is not a whole number of seconds alternates
    between two gaps (7 and 8 s for 7.5 s), and the autocorrelation's clearest peak can
    be a multiple of it (15 s). A fraction of the lag near the typical gap between
    spikes is tried first; the shortest candidate whose rhythm most gaps follow, and most
    of whose periods had a spike, wins.
    """
    typical_gap = float(np.median(np.diff(np.asarray(onsets))))
    for divisor in _DIVISORS:
        candidate = lag / divisor
        if candidate < t.MIN_PERIOD_SECONDS:
            continue
        if divisor > 1 and abs(typical_gap - candidate) > t.PERIOD_TOLERANCE * candidate:
            continue
        period, regular, coverage = _refine(onsets, candidate)
        if regular >= t.MIN_REGULAR_GAPS and coverage >= t.MIN_SPIKE_COVERAGE:
            return period, regular
    return None


_DIVISORS = (3, 2, 1)


def find_spikes(columns: Columns, steps: Sequence[Step]) -> Spikes:
    """Find the seconds whose p95 spiked; ``columns`` must have a measured second.

    A second spikes when its p95 is :data:`SPIKE_RATIO` times the rolling median and
    :data:`SPIKE_MIN_DELTA_MS` above it. Weaker spikes in the first
    :data:`STEP_START_SECONDS` of one of ``steps`` are the step load's own bursts of new
    users and are left out (pass no steps where the load brings no such bursts).
    """
    timestamps, p95, excess = _excess(columns, steps)
    return Spikes(timestamps, p95, excess, _onsets(timestamps, excess))


def find_sawtooth(spikes: Spikes) -> Sawtooth | None:
    """Tell whether ``spikes`` come back at a regular period, and at which.

    The period is the first strong peak of the autocorrelation of the spikes'
    log-excess (at least :data:`MIN_PERIOD_STRENGTH`), refined with the gaps between
    spike onsets, most of which must be whole numbers of periods
    (:data:`MIN_REGULAR_GAPS`) with a spike in most periods (:data:`MIN_SPIKE_COVERAGE`);
    fractions of the lag are tried first. It takes :data:`MIN_SPIKES` spikes.
    """
    if len(spikes.onsets) < t.MIN_SPIKES:
        return None
    lag, strength = _autocorrelation_period(spikes.timestamps, spikes.excess)
    if lag == 0 or strength < t.MIN_PERIOD_STRENGTH:
        return None
    fitted = _fit_period(spikes.onsets, lag)
    if fitted is None:
        return None
    period, regular = fitted
    return Sawtooth(
        period_s=period,
        strength=strength,
        spikes=len(spikes.onsets),
        regular_gaps=regular,
        spike_p95_ms=spikes.spike_p95_ms,
        baseline_p95_ms=spikes.baseline_p95_ms,
    )
