"""``locust.user.wait_time``: the wait-time functions."""

from horde.user import between, constant, constant_pacing, constant_throughput, poisson

__all__ = ["between", "constant", "constant_pacing", "constant_throughput", "poisson"]
