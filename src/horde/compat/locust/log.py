"""``locust.log``: logging setup."""

from horde.cli._logging import setup_logging

__all__ = ["setup_logging"]
