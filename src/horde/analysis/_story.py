"""Plain sentences with the numbers, and the class of fix, for each pattern."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence

from horde.analysis import _thresholds as t
from horde.analysis._bottleneck import Bottleneck
from horde.analysis._model import ARRIVALS_UNIT, Pattern, Saturation, StepSummary
from horde.analysis._periodic import Sawtooth, Spikes

__all__ = [
    "FIXES",
    "NO_LATENCY_FIX",
    "SPIKES_FIX",
    "grace_sentence",
    "tell_bottleneck",
    "tell_healthy",
    "tell_sawtooth",
    "tell_spikes",
]

#: The class of fix each pattern points to.
FIXES: dict[Pattern, str] = {
    Pattern.HEALTHY: "None needed at this load; test a higher load to find the limit.",
    Pattern.LINEAR: (
        "Reduce the CPU work per request: cache responses, optimise queries and handlers, "
        "or add capacity (more cores or instances)."
    ),
    Pattern.CLIFF: (
        "A pool or limit is exhausted: tune the connection pool, thread pool or maximum "
        "connections (and the resource behind them), or queue and shed load before it."
    ),
    Pattern.SAWTOOTH: (
        "Periodic pauses: tune garbage collection, warm caches and spread their expiry, "
        "and spread or move background jobs."
    ),
    Pattern.FLAT_THEN_SPIKE: (
        "Optimise that endpoint: add indexes, cut or paginate its query work, or cache its result."
    ),
    Pattern.INCONCLUSIVE: (
        "Run a step load of at least three plateaus of 15 s or more, each with enough "
        "requests per second for stable percentiles."
    ),
}


#: The fix of a run in which no request completed: more load would not help.
NO_LATENCY_FIX = (
    "Check that the tasks make requests and that the host answers them: run one user "
    "(-u 1) for a few seconds and read its errors."
)


#: The fix of a run whose plateaus held but whose latency spiked now and then.
SPIKES_FIX = (
    "Find what paused the system at those moments (garbage collection, a background job, "
    "a cache expiry, a failover), and run longer to see whether it comes back."
)


def _ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def grace_sentence(
    graceful: bool, max_failure_ratio: float, collapsed_rps: float | None, degraded: bool = True
) -> str:
    """Return the sentence on failures: graceful slowdown or catastrophe (for a run whose
    latency did not degrade, ``degraded`` False, only what failed)."""
    share = f"{max_failure_ratio:.1%} of a step's requests failed"
    if not graceful:
        what = f"up to {share}"
        if collapsed_rps is not None:
            what = f"throughput collapsed to {collapsed_rps:.0f} req/s and {what}"
        return f"It degraded catastrophically: {what}." if degraded else f"Yet {what}."
    failed = f"at most {share}" if max_failure_ratio > 0 else "no request failed"
    return f"It stayed graceful: {failed}." if degraded else f"{failed[0].upper()}{failed[1:]}."


def tell_healthy(
    steps: Sequence[StepSummary], baseline_p95: float, unit: str = "users", spiked: bool = False
) -> str:
    """Return the story of a run whose plateaus never left their baseline."""
    first, last = steps[0], steps[-1]
    lasting = "lasting " if spiked else ""
    return (
        f"No {lasting}degradation within the tested range: p95 stayed near its "
        f"{_ms(baseline_p95)} "
        f"baseline ({_ms(last.p95_ms)} at the top) from {first.users} to {last.users} {unit}, "
        f"while throughput grew from {first.rps:.0f} to {last.rps:.0f} req/s. "
        "Saturation was not reached."
    )


def tell_sawtooth(sawtooth: Sawtooth, saturation: Saturation | None, unit: str, loads: int) -> str:
    """Return the story of periodic spikes (``loads``: how many load levels the run had)."""
    whatever = ", whatever the load" if loads > 1 else ""
    story = (
        f"Latency spikes every {sawtooth.period_s:.1f} s and recovers: {sawtooth.spikes} "
        f"spikes with a p95 of about {_ms(sawtooth.spike_p95_ms)} against "
        f"{_ms(sawtooth.baseline_p95_ms)} between them (autocorrelation "
        f"{sawtooth.strength:.2f} at that period; {sawtooth.regular_gaps:.0%} of the gaps "
        f"are whole periods){whatever}: a periodic pause such as garbage collection, cache "
        "expiry or a background job."
    )
    if saturation is not None:
        story += (
            f" Apart from the spikes, throughput saturated at {saturation.users} {unit} "
            f"({saturation.rps:.0f} req/s)."
        )
    return story


#: The most spike times a story lists; the rest are counted.
_LISTED_SPIKES = 5


def tell_spikes(spikes: Spikes, run_start_ts: float) -> str:
    """Return the story of spikes that keep no regular period (a sawtooth is told apart)."""
    count = len(spikes.onsets)
    offsets = [f"{onset - run_start_ts:.0f}" for onset in spikes.onsets[:_LISTED_SPIKES]]
    when = offsets[0] if len(offsets) == 1 else f"{', '.join(offsets[:-1])} and {offsets[-1]}"
    more = f" (and {count - _LISTED_SPIKES} more)" if count > _LISTED_SPIKES else ""
    times = {1: "once", 2: "twice"}.get(count, f"{count} times")
    story = (
        f"But latency spiked {times}, to a p95 of up to {_ms(spikes.peak_p95_ms)} against "
        f"{_ms(spikes.baseline_p95_ms)} otherwise, {when} s into the run{more}"
    )
    if count == 1:
        return (
            f"{story}: a run long enough for {t.MIN_SPIKES} such spikes would tell whether "
            "it comes back at a regular period."
        )
    gaps = [later - earlier for earlier, later in itertools.pairwise(spikes.onsets)]
    typical = statistics.median(gaps)
    if all(abs(gap - typical) <= t.PERIOD_TOLERANCE * typical for gap in gaps):
        # Too few periods for the run to confirm one: say what was seen.
        return (
            f"{story}, about {typical:.0f} s apart: a run of several more such periods "
            "would tell whether they keep that rhythm."
        )
    return f"{story}, at no regular period: look for what ran at those moments."


def tell_bottleneck(
    bottleneck: Bottleneck,
    unit: str = "users",
    saturation: Saturation | None = None,
    steps: Sequence[StepSummary] = (),
    evidence: dict[str, object] | None = None,
) -> str:
    """Return the story of one endpoint departing alone, and of the aggregate when it
    saturated too (``saturation``, over ``steps``, shown by ``evidence``'s reasons)."""
    b = bottleneck
    # By the endpoint's own standard: the others may grow, just far less.
    others = "stayed flat" if b.others_max_growth < t.ENDPOINT_DEPARTURE_RATIO else "grew far less"
    story = (
        f"{b.endpoint} is the bottleneck: its median latency left its {_ms(b.baseline_ms)} "
        f"baseline at {b.departed_users} {unit} ({_ms(b.departed_ms)}) and reached "
        f"{_ms(b.last_ms)} at {b.last_users} {unit} ({b.growth:.1f}x), while the "
        f"{b.others} other endpoints {others} (at most {b.others_max_growth:.1f}x, "
        f"median {b.others_median_growth:.1f}x)."
    )
    if saturation is None or not steps:
        return story
    last = steps[-1]
    evidence = evidence or {}
    baseline = _float(evidence.get("baseline_p95_ms")) or 0.0
    signs = _saturation_signs(evidence, baseline, "its p95 left its")
    story += (
        f" The aggregate saturated at {saturation.users} {unit} ({saturation.rps:.0f} req/s), "
        f"where {signs}; p95 was {_ms(last.p95_ms)} at {last.users} {unit}"
    )
    others_slowed = b.others_final_median_growth >= t.ENDPOINT_DEPARTURE_RATIO
    if last.users > b.last_users and others_slowed:
        return story + (
            f", the other endpoints slowing with it (median {b.others_final_median_growth:.1f}x "
            f"their baseline): past the bottleneck, the whole system saturated."
        )
    return story + "."


def tell_shape(
    pattern: Pattern,
    steps: Sequence[StepSummary],
    saturation: Saturation,
    baseline_p95: float,
    evidence: dict[str, object],
    *,
    unit: str = "users",
) -> str:
    """Return the story of a linear or cliff degradation past the saturation point."""
    last = steps[-1]
    opening = (
        f"The system saturated at about {saturation.users} {unit} "
        f"({saturation.rps:.0f} req/s), where {_saturation_signs(evidence, baseline_p95)}. "
    )
    failures = max(s.failure_ratio for s in steps)
    if pattern is Pattern.LINEAR and unit == ARRIVALS_UNIT:
        # An open model past its saturation: arrivals outrun service and the queue grows
        # for as long as the overload lasts, so latency follows time more than load.
        failing = ""
        if failures >= t.DEGRADED_FAILURE_RATIO:
            failing = f", and up to {failures:.1%} of a step's requests failed as they waited"
        return opening + (
            "Past it iterations arrived faster than they were served: the queue, and "
            f"latency with it, grew for as long as each plateau lasted, reaching "
            f"{_ms(last.p95_ms)} at {last.users} {unit}{failing}: the service rate is the "
            "limit."
        )
    if pattern is Pattern.LINEAR:
        slope = evidence.get("slope_ms_per_100_users")
        r2 = evidence.get("r_squared")
        fit = f", about {slope:.0f} ms per 100 {unit}" if slope is not None else ""
        fit += f" (R² {r2:.2f})" if r2 is not None else ""
        return opening + (
            f"Past it latency grew in proportion to the load{fit}, reaching "
            f"{_ms(last.p95_ms)} at {last.users} {unit}: CPU-bound queueing."
        )
    fine = (
        f"It was fine up to {evidence['last_healthy_users']} {unit} (p95 "
        f"{_ms(_float(evidence['last_healthy_p95_ms']))}), "
    )
    if failures >= t.DEGRADED_FAILURE_RATIO:
        then = (
            f"then requests started failing, up to {failures:.1%} of a step, while p95 "
            f"climbed to {_ms(last.p95_ms)} at {last.users} {unit}: a pool, queue or "
            "connection limit turning work away."
        )
    else:
        then = (
            f"then p95 jumped by {_ms(_float(evidence['jump_ms']))} in one step and held "
            f"near {_ms(last.p95_ms)} up to {last.users} {unit}: a pool, thread or memory "
            "limit reached its ceiling."
        )
    return opening + fine + then


def _saturation_signs(
    evidence: dict[str, object], baseline_p95: float, whose: str = "p95 left its"
) -> str:
    """What showed the saturation, from ``"saturation_reasons"``: only what happened."""
    reasons = evidence.get("saturation_reasons")
    said = {
        "latency": f"{whose} {_ms(baseline_p95)} baseline",
        "throughput": "throughput stopped growing with load",
        "failures": "requests started failing",
    }
    signs = [said[r] for r in said if isinstance(reasons, list) and r in reasons]
    signs = signs or [said["latency"]]
    return signs[0] if len(signs) == 1 else f"{', '.join(signs[:-1])} and {signs[-1]}"


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
