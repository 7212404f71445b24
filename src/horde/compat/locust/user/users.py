"""``locust.user.users``: User and HttpUser."""

from horde.user import HttpUser, User, UserMeta

__all__ = ["HttpUser", "User", "UserMeta"]
