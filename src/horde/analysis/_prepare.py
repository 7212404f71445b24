"""From per-second samples to numpy columns and robust per-plateau figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from horde.analysis import _thresholds as t
from horde.analysis._model import Step, StepSummary
from horde.stats import Sample, TimeSeries

__all__ = [
    "Columns",
    "median_or_none",
    "samples_from_columns",
    "steps_from_series",
    "summarize_step",
]

FloatArray = npt.NDArray[np.float64]

_FIELDS = ("timestamp", "user_count", "requests", "failures", "rps", "p50", "p95")


@dataclass(frozen=True, slots=True)
class Columns:
    """The fields the analysis reads, one float array each; NaN stands for None."""

    timestamp: FloatArray
    user_count: FloatArray
    requests: FloatArray
    failures: FloatArray
    rps: FloatArray
    p50: FloatArray
    p95: FloatArray

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Columns:
        """Read ``samples``, column by column when they are a :class:`TimeSeries`."""
        if isinstance(samples, TimeSeries):
            raw = [samples.column(name) for name in _FIELDS]
        else:
            raw = [[getattr(sample, name) for sample in samples] for name in _FIELDS]
        arrays = [np.array([np.nan if v is None else v for v in col], dtype=float) for col in raw]
        return cls(*arrays)

    def __len__(self) -> int:
        return len(self.timestamp)

    def window(self, start_ts: float, end_ts: float) -> npt.NDArray[np.bool_]:
        """Return the mask of the samples whose interval closed in ``(start_ts, end_ts]``."""
        return (self.timestamp > start_ts) & (self.timestamp <= end_ts)

    def settled(self, start_ts: float, end_ts: float) -> npt.NDArray[np.bool_]:
        """Return the mask of a plateau's samples, its first :data:`RAMP_SKIP_SECONDS`
        (a third of a shorter plateau) left out: the new users' burst distorts them."""
        skip = min(float(t.RAMP_SKIP_SECONDS), (end_ts - start_ts) / 3)
        return self.window(start_ts + skip, end_ts)


def median_or_none(values: FloatArray) -> float | None:
    """Return the median of the non-NaN ``values``, None when there are none."""
    present = values[~np.isnan(values)]
    return float(np.median(present)) if present.size else None


def steps_from_series(samples: Sequence[Sample]) -> list[Step]:
    """Derive the load's plateaus from the user counts of ``samples``.

    A plateau is a run of at least :data:`MIN_STEP_SECONDS` samples with the same
    positive user count; shorter runs are ramps. Only the ascending staircase is kept: a
    plateau counts when it has more users than the previous one kept (ramp-downs and
    repeats are left out).

    Args:
        samples: The aggregate's per-second samples, in time order.

    Returns:
        The plateaus, each starting at the tick before its first sample.

    Example:
        >>> samples = samples_from_columns(users=[10] * 6 + [20] * 6, p95=[5.0] * 12)
        >>> [(step.users, step.start_ts, step.end_ts) for step in steps_from_series(samples)]
        [(10, 0.0, 6.0), (20, 6.0, 12.0)]
    """
    columns = Columns.of(samples)
    users = columns.user_count
    steps: list[Step] = []
    run_start = 0
    for index in range(1, len(users) + 1):
        if index < len(users) and users[index] == users[run_start]:
            continue
        count = int(users[run_start])
        is_plateau = index - run_start >= t.MIN_STEP_SECONDS and count > 0
        if is_plateau and (not steps or count > steps[-1].users):
            ts = columns.timestamp
            start = ts[run_start - 1] if run_start else ts[run_start] - _interval(ts)
            steps.append(Step(float(start), float(ts[index - 1]), count))
        run_start = index
    return steps


def _interval(timestamps: FloatArray) -> float:
    return float(np.median(np.diff(timestamps))) if len(timestamps) > 1 else 1.0


def summarize_step(columns: Columns, step: Step) -> StepSummary:
    """Return the robust figures of ``step``, its first ramp seconds left out."""
    mask = columns.settled(step.start_ts, step.end_ts)
    requests = float(np.sum(columns.requests[mask]))
    failures = float(np.sum(columns.failures[mask]))
    rps = columns.rps[mask]
    return StepSummary(
        users=step.users,
        start_ts=step.start_ts,
        end_ts=step.end_ts,
        seconds=int(np.count_nonzero(mask)),
        rps=float(np.mean(rps)) if rps.size else 0.0,
        p50_ms=median_or_none(columns.p50[mask]),
        p95_ms=median_or_none(columns.p95[mask]),
        failure_ratio=failures / requests if requests > 0 else 0.0,
    )


def samples_from_columns(
    *,
    users: Sequence[int],
    p95: Sequence[float | None],
    rps: Sequence[float] | None = None,
    p50: Sequence[float | None] | None = None,
    failures: Sequence[int] | None = None,
    start_ts: float = 0.0,
) -> list[Sample]:
    """Build one-second :class:`Sample` s from columns, for tests, demos and replays.

    Missing columns are filled in plausibly: ``rps`` as a third of a request per user per
    second, ``p50`` as half of ``p95``, no failures. ``p99`` and ``max`` repeat ``p95``.

    Args:
        users: Users running at each tick; its length sets the series' length.
        p95: The p95 of each second in ms (None for a second without requests).
        rps: Requests per second.
        p50: The median of each second in ms.
        failures: Failures of each second.
        start_ts: Timestamp of the tick before the first sample.

    Example:
        >>> samples_from_columns(users=[5, 5], p95=[10.0, None])[1].p95 is None
        True
    """
    count = len(users)
    rates = list(rps) if rps is not None else [u / 3 for u in users]
    medians = list(p50) if p50 is not None else [None if v is None else v / 2 for v in p95]
    failed = list(failures) if failures is not None else [0] * count
    samples: list[Sample] = []
    total_requests = total_failures = 0
    for index in range(count):
        requests = round(rates[index])
        total_requests += requests
        total_failures += failed[index]
        high = p95[index]
        samples.append(
            Sample(
                timestamp=start_ts + index + 1,
                user_count=users[index],
                requests=requests,
                failures=failed[index],
                rps=float(rates[index]),
                fail_per_sec=float(failed[index]),
                p50=medians[index],
                p95=high,
                p99=high,
                max=high,
                avg=medians[index],
                total_requests=total_requests,
                total_failures=total_failures,
                total_avg=0.0,
            )
        )
    return samples
