"""``locust.user.users``: User, HttpUser and PytestUser."""

from horde.user import HttpUser, PytestUser, User, UserMeta

__all__ = ["HttpUser", "PytestUser", "User", "UserMeta"]
