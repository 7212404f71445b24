"""HttpUser and FastHttpUser: users with an HTTP client as ``self.client``."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from horde.exceptions import StopTest
from horde.http import FastHttpSession, HttpSession
from horde.user._user import User, UserEnvironment

__all__ = ["FastHttpUser", "HttpUser"]

_MISSING_HOST = (
    "You must specify the base host. Either in the host attribute in the User class, "
    "or on the command line using the --host option."
)


class _ClientUser:
    """What HttpUser and FastHttpUser share: the host check, rest(), closing the client."""

    client: Any
    host: str | None

    def _require_host(self) -> str:
        if self.host is None:
            raise StopTest(_MISSING_HOST)
        return self.host

    def _release(self) -> None:
        # The user stopped: what its own greenlets still wait on is cancelled, not failed.
        # (User code may have put another client in its place: that one is just closed.)
        abandon = getattr(self.client, "abandon", None)
        if abandon is not None:
            abandon()
        else:
            self.client.close()

    def rest(
        self, method: str, url: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> AbstractContextManager[Any]:
        """A JSON request whose response is checked in a block; see the client's ``rest``."""
        result: AbstractContextManager[Any] = self.client.rest(
            method, url, headers=headers, **kwargs
        )
        return result

    def rest_(
        self, method: str, url: str, name: str | None = None, **kwargs: Any
    ) -> AbstractContextManager[Any]:
        """Like :meth:`rest`, with a cache-busting ``_=<epoch ms>`` query parameter."""
        result: AbstractContextManager[Any] = self.client.rest_(method, url, name=name, **kwargs)
        return result


class HttpUser(_ClientUser, User):
    """A user with an HTTP client (``self.client``) that records every request.

    Example:
        >>> from horde import HttpUser, between, task
        >>> class Shopper(HttpUser):
        ...     wait_time = between(1, 5)
        ...     @task
        ...     def products(self):
        ...         self.client.get("/api/products", params={"page": 1})
    """

    abstract = True
    pool_manager: Any = None

    def __init__(self, environment: UserEnvironment) -> None:
        super().__init__(environment)
        self.client = HttpSession(
            self._require_host(), environment.events.request, self, pool_manager=self.pool_manager
        )
        self.client.trust_env = False


class FastHttpUser(_ClientUser, User):
    """An HTTP user with Locust's FastHttpUser semantics, on the same fast client.

    Requests are named by the URL as given, and only the usual success codes count as
    successes.

    Example:
        >>> from horde import FastHttpUser, task
        >>> class Api(FastHttpUser):
        ...     @task
        ...     def health(self):
        ...         self.client.get("/health")
    """

    abstract = True
    network_timeout: float = 60.0
    connection_timeout: float = 60.0
    max_redirects: int = 30
    max_retries: int = 0
    insecure: bool = True
    default_headers: dict[str, str] | None = None
    concurrency: int = 10
    proxy_host: str | None = None
    proxy_port: int | None = None
    client_pool: Any = None
    ssl_context_factory: Any = None

    def __init__(self, environment: UserEnvironment) -> None:
        super().__init__(environment)
        self.client = FastHttpSession(
            self._require_host(),
            environment.events.request,
            self,
            insecure=self.insecure,
            client_pool=self.client_pool,
            ssl_context_factory=self.ssl_context_factory,
            network_timeout=self.network_timeout,
            connection_timeout=self.connection_timeout,
            max_redirects=self.max_redirects,
            headers=self.default_headers,
            proxy_host=self.proxy_host,
            proxy_port=self.proxy_port,
        )
