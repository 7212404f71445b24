"""``locust.contrib.fasthttp``: FastHttpUser and its session, on horde's client."""

from horde.compat.locust import _RenamedInVersion1
from horde.http import (
    FastHttpSession,
    FastResponse,
    LocustBadStatusCode,
    RestResponseContextManager,
)
from horde.http import FastResponseContextManager as ResponseContextManager
from horde.user import FastHttpUser


class FastHttpLocust(_RenamedInVersion1):
    """Renamed to FastHttpUser in 1.0."""

    new_name = "FastHttpUser"


__all__ = [
    "FastHttpLocust",
    "FastHttpSession",
    "FastHttpUser",
    "FastResponse",
    "LocustBadStatusCode",
    "ResponseContextManager",
    "RestResponseContextManager",
]
