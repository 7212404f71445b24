"""``locust.log``: logging setup."""

from horde.cli import setup_logging

__all__ = ["setup_logging"]
