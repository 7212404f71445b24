"""``locust.debug``: run_single_user."""

from horde.engine import run_single_user

__all__ = ["run_single_user"]
