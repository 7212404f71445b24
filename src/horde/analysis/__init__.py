"""Analysis: the story of how the system degrades, from the per-second series.

Pure functions over :class:`~horde.stats.Sample` sequences (no I/O, no timers). Given the
aggregate series, the per-endpoint series and the load's plateaus, :func:`analyze` finds
the saturation point (users and throughput where throughput stops growing with load and
latency leaves its baseline), the :class:`Pattern` of the degradation (healthy, linear,
cliff, sawtooth with its period, or one endpoint departing alone: flat-then-spike, naming
it), whether it stayed graceful or turned catastrophic, and the class of fix, with the
evidence numbers behind each claim. When the run is too short or too noisy the pattern is
``inconclusive`` and the story says why. The thresholds are named constants in
``horde/analysis/_thresholds.py``.

Example:
    >>> from horde.analysis import analyze, samples_from_columns
    >>> users = [u for u in (50, 100, 150, 200) for _ in range(15)]
    >>> analyze(samples_from_columns(users=users, p95=[12.0] * 60)).to_dict()["pattern"]
    'healthy'
"""

from horde.analysis._analyze import analyze
from horde.analysis._model import Analysis, Pattern, Saturation, Step, StepSummary
from horde.analysis._prepare import samples_from_columns, steps_from_series

__all__ = [
    "Analysis",
    "Pattern",
    "Saturation",
    "Step",
    "StepSummary",
    "analyze",
    "samples_from_columns",
    "steps_from_series",
]
