"""``--processes``: one worker per core for -1, a warning past the cores, a refusal past 8
per core."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from horde.cli import _distributed
from horde.cli._distributed import check_distributed, process_count
from horde.exceptions import ConfigError


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(_distributed, "_cores", lambda: 2)


def test_minus_one_is_one_worker_per_core(two_cores):
    assert process_count(-1) == 2


def test_more_workers_than_cores_are_warned_about(two_cores, caplog):
    with caplog.at_level(logging.WARNING):
        assert process_count(2) == 2
        assert not caplog.records
        assert process_count(3) == 3
    assert "--processes 3 runs more workers than the 2 cores this process may use" in (caplog.text)


def test_more_than_8_per_core_is_refused(two_cores):
    def settings(processes: int) -> SimpleNamespace:
        options = SimpleNamespace(master=False, worker=False, processes=processes)
        return SimpleNamespace(options=options)

    check_distributed(settings(16))
    with pytest.raises(ConfigError, match=r"--processes 17: at most 16 here \(8 per core, 2"):
        check_distributed(settings(17))
