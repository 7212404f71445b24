"""Garbage-collector settings for a load generator holding thousands of long-lived users.

Every request allocates short-lived containers (futures, coroutines, dicts), so with the
default thresholds the collector runs often, and each full collection walks every user's
objects: with 5,000 users that was a fifth of the process's CPU. While a run lasts, young
collections run less often (:data:`RUN_THRESHOLDS`), and the users spawned so far are
moved out of the collector's sight (:func:`settle`) until users are stopped again
(:func:`unsettle`), so that the cycles of stopped users are still collected.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["RUN_THRESHOLDS", "run_thresholds", "settle", "unsettle"]

#: Collect the youngest generation every 10,000 allocations instead of 700.
RUN_THRESHOLDS = (10_000, 20, 100)


@contextlib.contextmanager
def run_thresholds() -> Iterator[None]:
    """Use :data:`RUN_THRESHOLDS` inside the block, then the previous thresholds again."""
    previous = gc.get_threshold()
    gc.set_threshold(*RUN_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def settle() -> None:
    """Exempt every object alive now (the users just spawned) from collections."""
    gc.freeze()


def unsettle() -> None:
    """Let collections see the settled objects again (some users are being stopped)."""
    gc.unfreeze()
