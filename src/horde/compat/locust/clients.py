"""``locust.clients``: the HTTP session and its response wrappers."""

from horde.http import (
    HttpSession,
    Response,
    ResponseContextManager,
    RestResponseContextManager,
)

__all__ = ["HttpSession", "Response", "ResponseContextManager", "RestResponseContextManager"]
