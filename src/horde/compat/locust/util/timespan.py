"""``locust.util.timespan``: parse_timespan."""

from horde.cli._timespan import parse_timespan

__all__ = ["parse_timespan"]
