"""Which percentiles the tables and files show."""

from __future__ import annotations

from collections.abc import Sequence

import horde.stats

__all__ = ["report_percentiles"]


def report_percentiles(percentiles: Sequence[float] | None) -> list[float]:
    """``percentiles``, or ``horde.stats.PERCENTILES_TO_REPORT`` read now when None.

    The command line passes the list a locustfile may have set on ``locust.stats``.
    """
    return list(horde.stats.PERCENTILES_TO_REPORT if percentiles is None else percentiles)
