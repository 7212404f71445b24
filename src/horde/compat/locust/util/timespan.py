"""``locust.util.timespan``: parse_timespan."""

from horde.cli import parse_timespan

__all__ = ["parse_timespan"]
