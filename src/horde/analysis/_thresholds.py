"""The thresholds behind every verdict, named, with the reason for each value.

They are module constants (immutable), so a verdict can be traced to a number. The
values were chosen against the demo shop's profiles (see :mod:`horde.demo`) and against
the noise of per-second percentiles at low request rates, where a second's p95 is close
to the largest of a handful of requests.
"""

from __future__ import annotations

from typing import Final

# -- Data sufficiency -----------------------------------------------------------------

#: Seconds with requests below which nothing can be told: a sawtooth needs three periods
#: and a step load needs three plateaus of a few seconds each.
MIN_SERIES_SECONDS: Final = 20
#: A run of equal user counts shorter than this is a ramp, not a plateau.
MIN_STEP_SECONDS: Final = 5
#: Seconds at the start of each plateau that are ignored: the new users' first
#: requests (logins, cold caches) and the spawn itself distort them.
RAMP_SKIP_SECONDS: Final = 3
#: Seconds with a measured latency a plateau needs to count.
MIN_STEP_SAMPLES: Final = 3
#: Plateaus needed to tell a saturation story: a baseline and two loads above it.
MIN_STEPS: Final = 3
#: The first plateaus form the baseline, pooled, so one odd second does not set it.
BASELINE_STEPS: Final = 2

# -- Noise ----------------------------------------------------------------------------

#: Above this robust spread of the baseline's per-second p95 (its interquartile range
#: over the rise that counts as a departure, the larger of 1x the median and
#: LATENCY_DEPARTURE_MIN_MS), a departure cannot be told from jitter. Where the ratio
#: binds, log-normal jitter reaches it at sigma ~1.05; real per-second p95 jitter sits
#: around sigma 0.3-0.6. A 5 ms baseline jittering by 8 ms is no reason to give up.
NOISY_BASELINE_SPREAD: Final = 1.5

# -- Saturation (aggregate, per plateau) ------------------------------------------------

#: A plateau's median p95 above this multiple of the baseline has left the baseline.
LATENCY_DEPARTURE_RATIO: Final = 2.0
#: ... and by at least this much: 2x of a 2 ms baseline is still healthy.
LATENCY_DEPARTURE_MIN_MS: Final = 20.0
#: Requests per second per user below this share of the early ratio: throughput no
#: longer grows with load (a closed model loses only ~15% to latency before that).
EFFICIENCY_FLOOR: Final = 0.75
#: A plateau whose failure ratio reaches this is degraded (the baseline's is ~0).
DEGRADED_FAILURE_RATIO: Final = 0.01

# -- Linear versus cliff ------------------------------------------------------------------

#: Past the first saturated plateau the p95 must rise again by this share of the first
#: jump to call the growth linear: a cliff jumps once and then holds at its ceiling.
LINEAR_MIN_CONTINUATION: Final = 0.5
#: ... and end at least this multiple of the last healthy plateau's p95.
LINEAR_MIN_GROWTH: Final = 2.0
#: With a single saturated plateau, a jump of this multiple is called a cliff.
CLIFF_MIN_JUMP_RATIO: Final = 5.0

# -- Graceful versus catastrophic ---------------------------------------------------------

#: A plateau failing this share of its requests is a catastrophe, not a slowdown.
CATASTROPHIC_FAILURE_RATIO: Final = 0.05
#: Throughput falling below this share of its peak while load grows is a collapse.
COLLAPSE_RPS_RATIO: Final = 0.7

# -- Sawtooth -----------------------------------------------------------------------------

#: A second whose p95 is this multiple of the rolling median is a spike...
SPIKE_RATIO: Final = 3.0
#: ... and above it by at least this much: pauses that matter (GC, stalls) cost tens of
#: milliseconds or more, while a 3x jump of a 2 ms p95 is jitter.
SPIKE_MIN_DELTA_MS: Final = 50.0
#: Width of the centred rolling median that sets the local level; wide enough that one
#: or two spike seconds in ten do not move it, narrow enough to follow a step change.
ROLLING_WINDOW_SECONDS: Final = 15
#: Spike seconds closer than this belong to one spike (a pause straddling two ticks).
SPIKE_MERGE_SECONDS: Final = 2.0
#: Fewest spikes that make a period.
MIN_SPIKES: Final = 3
#: Shortest period reported: below it spikes merge into a plateau.
MIN_PERIOD_SECONDS: Final = 3
#: Autocorrelation of the spike signal at the period must reach this to be periodic;
#: random spikes in noise stay near 0.
MIN_PERIOD_STRENGTH: Final = 0.3
#: Share of the gaps between spikes that must be a whole number of periods (within
#: :data:`PERIOD_TOLERANCE`): a regular rhythm, allowing for a missed spike.
MIN_REGULAR_GAPS: Final = 0.7
#: Relative tolerance of a gap against a whole number of periods.
PERIOD_TOLERANCE: Final = 0.25
#: Share of the periods between the first and last spike that must have one: a shorter
#: period whose multiples fit every gap but that passes half the time without a spike
#: is wrong; a step load that hides one spike in three still passes.
MIN_SPIKE_COVERAGE: Final = 0.6
#: Seconds after a plateau's start whose spikes are blamed on the new users' burst (it
#: lands in the first tick or two) and left out of the rhythm ...
STEP_START_SECONDS: Final = 2
#: ... unless their log-excess reaches this share of the median of the other spikes': a
#: periodic pause that happens to fall on a step start (bursts are far weaker).
STEP_START_KEEP_RATIO: Final = 0.75

# -- One endpoint departing ---------------------------------------------------------------

#: An endpoint's median latency at this multiple of its baseline has departed...
ENDPOINT_DEPARTURE_RATIO: Final = 2.5
#: ... by at least this much (sub-millisecond endpoints double on jitter alone).
ENDPOINT_DEPARTURE_MIN_MS: Final = 5.0
#: The departing endpoint's increase must be this multiple of any other's: under
#: CPU queueing every endpoint gains the same milliseconds, so none dominates.
ENDPOINT_DOMINANCE: Final = 4.0
#: Plateaus on which the same endpoint must dominate, so one slow second does not.
ENDPOINT_PERSISTENT_STEPS: Final = 2
