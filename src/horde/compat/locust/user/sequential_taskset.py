"""``locust.user.sequential_taskset``: SequentialTaskSet."""

from horde.user import SequentialTaskSet

__all__ = ["SequentialTaskSet"]
