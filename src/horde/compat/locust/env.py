"""``locust.env``: the Environment."""

from horde.engine import Environment

__all__ = ["Environment"]
