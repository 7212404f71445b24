"""The analysis's data: its input plateaus and its verdict, as frozen records."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["ARRIVALS_UNIT", "Analysis", "Pattern", "Saturation", "Step", "StepSummary"]

#: The load unit of a stepped arrival rate (the open model); a closed model's is users.
ARRIVALS_UNIT = "iterations/s"


class Pattern(StrEnum):
    """How the system degrades, the headline of an :class:`Analysis`."""

    #: No degradation within the tested range.
    HEALTHY = "healthy"
    #: Past saturation latency grows in proportion to users: CPU-bound queueing.
    LINEAR = "linear"
    #: Fine up to N users, then latency or failures jump: a pool or limit is exhausted.
    CLIFF = "cliff"
    #: Periodic spikes that recover: GC, cache expiry, background jobs.
    SAWTOOTH = "sawtooth"
    #: One endpoint departs from its baseline while the others stay flat.
    FLAT_THEN_SPIKE = "flat_then_spike"
    #: Too short or too noisy to tell; the story says why.
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True, slots=True)
class Step:
    """A plateau of the load: ``users`` ran from ``start_ts`` to ``end_ts``.

    Attributes:
        start_ts: Epoch seconds when the plateau began (the users were being spawned).
        end_ts: Epoch seconds when it ended.
        users: Users running on the plateau.
    """

    start_ts: float
    end_ts: float
    users: int


@dataclass(frozen=True, slots=True)
class StepSummary:
    """Robust figures of one plateau, its ramp seconds left out.

    Attributes:
        users: Users running on the plateau.
        start_ts: Epoch seconds when the plateau began.
        end_ts: Epoch seconds when it ended.
        seconds: Seconds of samples summarised (after the ramp).
        rps: Mean requests per second (a median of a few a second reads 0 or 1).
        p50_ms: Median of the per-second medians, None without a timed request.
        p95_ms: Median of the per-second p95s, None without a timed request.
        failure_ratio: Failures over requests on the plateau (0.0 without requests).
    """

    users: int
    start_ts: float
    end_ts: float
    seconds: int
    rps: float
    p50_ms: float | None
    p95_ms: float | None
    failure_ratio: float

    def to_dict(self) -> dict[str, Any]:
        """Return the plateau as JSON-ready numbers (rounded for reading)."""
        return {
            "users": self.users,
            "seconds": self.seconds,
            "rps": round(self.rps, 2),
            "p50_ms": _round(self.p50_ms),
            "p95_ms": _round(self.p95_ms),
            "failure_ratio": round(self.failure_ratio, 4),
        }


@dataclass(frozen=True, slots=True)
class Saturation:
    """Where throughput stopped growing with load and latency left its baseline.

    Attributes:
        users: Users on the first plateau that degraded and stayed degraded.
        rps: Mean requests per second on that plateau.
    """

    users: int
    rps: float

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"users": ..., "rps": ...}``."""
        return {"users": self.users, "rps": round(self.rps, 2)}


@dataclass(frozen=True, slots=True)
class Analysis:
    """The story of how the system degraded, as data.

    Attributes:
        pattern: The headline :class:`Pattern`.
        graceful: False when failures or a throughput collapse made it catastrophic.
        saturation: The saturation point, or None when not reached in the tested range
            (or when the data cannot tell).
        bottleneck_endpoint: ``"METHOD name"`` of the endpoint that departed alone, or
            None.
        period_s: The sawtooth's period in seconds, or None.
        evidence: The numbers behind every claim, JSON-ready; see :func:`analyze`.
        story: Plain sentences with the numbers.
        fix: The class of fix the pattern points to.
        steps: The plateaus the verdict was drawn from, in order of load.
        load_unit: What the plateaus' (and the saturation's) ``users`` count:
            ``"users"``, or ``"iterations/s"`` for a stepped arrival rate.
    """

    pattern: Pattern
    graceful: bool
    saturation: Saturation | None
    bottleneck_endpoint: str | None
    period_s: float | None
    evidence: dict[str, Any]
    story: str
    fix: str
    steps: tuple[StepSummary, ...] = field(default=())
    load_unit: str = "users"

    def to_dict(self) -> dict[str, Any]:
        """Return the ``"analysis"`` object of ``--summary-json``.

        Example:
            >>> Analysis(Pattern.HEALTHY, True, None, None, None, {}, "Fine.", "None.").to_dict()
            ... # doctest: +NORMALIZE_WHITESPACE
            {'pattern': 'healthy', 'graceful': True, 'saturation': None,
             'bottleneck_endpoint': None, 'period_s': None, 'evidence': {},
             'story': 'Fine.', 'fix': 'None.', 'load_unit': 'users'}
        """
        return {
            "pattern": self.pattern.value,
            "graceful": self.graceful,
            "saturation": None if self.saturation is None else self.saturation.to_dict(),
            "bottleneck_endpoint": self.bottleneck_endpoint,
            "period_s": None if self.period_s is None else round(self.period_s, 2),
            "evidence": self.evidence,
            "story": self.story,
            "fix": self.fix,
            "load_unit": self.load_unit,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
