"""The capacity test: users grow in equal steps, each held for a while (a plateau).

Each plateau's start and end are recorded, so the analysis can compare the steps.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from horde.engine._shape import LoadTestShape, ShapeTick

__all__ = ["Step", "StepLoadShape"]


@dataclass(frozen=True)
class Step:
    """One plateau of a step load: ``users`` from ``start`` to ``end`` (epoch seconds)."""

    users: int
    start: float
    end: float | None


class StepLoadShape(LoadTestShape):
    """Add ``step_users`` users every ``step_time`` seconds, up to ``max_users``, then stop.

    Used by ``--step-users``/``--step-time``; a locustfile may subclass it too.

    Example:
        >>> from horde import StepLoadShape
        >>> class Capacity(StepLoadShape):
        ...     step_users = 25
        ...     step_time = 20
        ...     max_users = 200
    """

    abstract = True  # a building block: subclasses (or the CLI) make it concrete
    step_users: int = 10
    step_time: float = 30.0
    max_users: int = 100
    spawn_rate: float | None = None
    """Users started per second within a step; by default the whole step in one second."""

    def __init__(
        self,
        step_users: int | None = None,
        step_time: float | None = None,
        max_users: int | None = None,
        spawn_rate: float | None = None,
    ) -> None:
        super().__init__()
        self.step_users = step_users if step_users is not None else self.step_users
        self.step_time = step_time if step_time is not None else self.step_time
        self.max_users = max_users if max_users is not None else self.max_users
        self.spawn_rate = spawn_rate if spawn_rate is not None else self.spawn_rate
        if self.step_users <= 0 or self.step_time <= 0 or self.max_users <= 0:
            raise ValueError("step users, step time and max users must all be positive")
        self._plateaus: list[tuple[int, float]] = []  # (users, started at)
        self._ended: float | None = None

    @property
    def step_count(self) -> int:
        """How many steps the test has."""
        return math.ceil(self.max_users / self.step_users)

    @property
    def duration(self) -> float:
        """Seconds from the first step to the end of the last plateau."""
        return self.step_count * self.step_time

    def users_at(self, run_time: float) -> int | None:
        """The target user count ``run_time`` seconds in; None once the test is over."""
        index = int(run_time // self.step_time)
        if index >= self.step_count:
            return None
        return min((index + 1) * self.step_users, self.max_users)

    def tick(self) -> ShapeTick:
        """The current step's target, and record when each plateau began and ended."""
        users = self.users_at(self.get_run_time())
        now = time.time()
        if users is None:
            if self._ended is None:
                self._ended = now
            return None
        if not self._plateaus or self._plateaus[-1][0] != users:
            self._plateaus.append((users, now))
        return users, self.spawn_rate or float(self.step_users)

    @property
    def steps(self) -> list[Step]:
        """The plateaus so far, oldest first; the current one has ``end=None``."""
        ends = [start for _, start in self._plateaus[1:]] + [self._ended]
        return [
            Step(users, start, end)
            for (users, start), end in zip(self._plateaus, ends, strict=True)
        ]
