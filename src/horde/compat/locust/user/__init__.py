"""``locust.user``: users, task sets, and the task decorators."""

from horde.compat.locust.user import wait_time
from horde.user import HttpUser, TaskSet, User, tag, task

__all__ = ["HttpUser", "TaskSet", "User", "tag", "task", "wait_time"]
