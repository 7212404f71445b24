"""``locust.shape``: LoadTestShape."""

from horde.engine import LoadTestShape

__all__ = ["LoadTestShape"]
