"""Wait-time functions: how long a user pauses between two tasks.

Each helper returns a function of the user (or task set) instance, meant to be
assigned as the ``wait_time`` class attribute.

Example:
    >>> from horde import User, between
    >>> class Browser(User):
    ...     wait_time = between(1, 5)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

__all__ = ["between", "constant", "constant_pacing", "constant_throughput", "poisson"]

WaitTime = Callable[[Any], float]


def between(min_wait: float, max_wait: float) -> WaitTime:
    """Wait a random time between ``min_wait`` and ``max_wait`` seconds.

    Example:
        >>> wait_time = between(1, 5)
    """
    return lambda instance: min_wait + random.random() * (max_wait - min_wait)


def constant(wait_time: float) -> WaitTime:
    """Always wait ``wait_time`` seconds.

    Example:
        >>> wait_time = constant(0)
    """
    return lambda instance: wait_time


def constant_pacing(wait_time: float) -> WaitTime:
    """Start a task every ``wait_time`` seconds, whatever the task took (never negative).

    Example:
        >>> wait_time = constant_pacing(2)
    """

    def wait_time_func(instance: Any) -> float:
        # The state lives on the instance, under Locust's attribute names.
        # Users and task sets stamp _cp_last_run when created, so the first task counts.
        now = time.perf_counter()
        last_run = getattr(instance, "_cp_last_run", None)
        if last_run is None:
            last_run = now
        last_wait = getattr(instance, "_cp_last_wait_time", None) or 0.0
        wait = max(0.0, wait_time - (now - last_run - last_wait))
        instance._cp_last_wait_time = wait
        instance._cp_last_run = now
        return wait

    return wait_time_func


def constant_throughput(task_runs_per_second: float) -> WaitTime:
    """Run at most ``task_runs_per_second`` tasks per second (per user).

    Raises:
        ValueError: If the rate is not positive.

    Example:
        >>> wait_time = constant_throughput(0.5)
    """
    if task_runs_per_second <= 0:
        raise ValueError("constant_throughput() needs a positive rate")
    return constant_pacing(1 / task_runs_per_second)


def poisson(rate: float) -> WaitTime:
    """Wait an exponentially distributed time, so task starts form a Poisson process.

    Args:
        rate: The mean number of task starts per second.

    Raises:
        ValueError: If the rate is not positive.

    Example:
        >>> wait_time = poisson(2)
    """
    if rate <= 0:
        raise ValueError("poisson() needs a positive rate")
    return lambda instance: random.expovariate(rate)
