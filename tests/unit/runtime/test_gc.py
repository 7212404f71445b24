"""The collector's settings during a run: fewer young collections, spawned users settled."""

from __future__ import annotations

import gc

from horde.runtime import run, settle, unsettle
from horde.runtime._gc import RUN_THRESHOLDS, run_thresholds


def test_a_run_uses_the_run_thresholds_and_restores_the_previous_ones():
    before = gc.get_threshold()

    async def main():
        return gc.get_threshold()

    assert run(main()) == RUN_THRESHOLDS
    assert gc.get_threshold() == before
    with run_thresholds():
        assert gc.get_threshold() == RUN_THRESHOLDS
    assert gc.get_threshold() == before


def test_settled_objects_leave_the_collector_until_unsettled():
    unsettle()
    assert gc.get_freeze_count() == 0
    kept = [[index] for index in range(1000)]
    settle()
    try:
        assert gc.get_freeze_count() >= len(kept)
    finally:
        unsettle()
    assert gc.get_freeze_count() == 0
