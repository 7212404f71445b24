"""``locust.user.users``: User and HttpUser."""

from horde.user import HttpUser, User
from horde.user._user import UserMeta

__all__ = ["HttpUser", "User", "UserMeta"]
