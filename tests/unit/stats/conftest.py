"""Fixtures for the statistics tests: a fake wall clock."""

from __future__ import annotations

import pytest


class FakeClock:
    """A wall clock that only moves when told to."""

    def __init__(self, now: float = 1_795_832_189.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
