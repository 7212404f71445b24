"""Users made of a locustfile's pytest-style test functions, as Locust runs them.

A locustfile with no user class may hold ``test_*`` functions instead, each taking a
``session`` (an HTTP client with ``HttpUser``'s semantics) or a ``fastsession`` (with
``FastHttpUser``'s): each function becomes a user class of its name, whose users call it
again and again, with no wait in between (the function sleeps if it wants to).

Example:
    >>> def test_checkout(session):  # doctest: +SKIP
    ...     session.get("/cart").raise_for_status()
    ...     session.post("/checkout", json={"items": [1]})
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from types import ModuleType
from typing import Any, ClassVar, NoReturn

from requests.exceptions import RequestException

from horde.exceptions import CatchResponseError, LocustfileError, StopUser
from horde.http import FastHttpSession, HttpSession
from horde.user._task import task
from horde.user._user import User, UserEnvironment
from horde.user._wait_time import constant

__all__ = ["PytestUser", "pytest_user_classes"]

logger = logging.getLogger("horde.user")

_FIXTURES: dict[str, type[HttpSession] | type[FastHttpSession]] = {
    "session": HttpSession,
    "fastsession": FastHttpSession,
}


class PytestUser(User):
    """A user that calls its class's test functions in turn, each with its own clients.

    A failed request that a function raises (``raise_for_status()``) ends that call, not
    the user: it was recorded already, as under Locust.
    """

    abstract = True
    functions: ClassVar[list[Callable[..., Any]]] = []
    wait_time = constant(0)

    def __init__(self, environment: UserEnvironment) -> None:
        super().__init__(environment)
        events = environment.events.request
        self._arguments = [
            {name: _FIXTURES[name](self.host, events, self) for name in _parameters(function)}
            for function in self.functions
        ]

    @task
    def call_test_functions(self) -> None:
        """Each function once, with its fixtures. An error other than a failed request's
        (a failed ``assert``, an unusable URL) ends the user, as in Locust: called again at
        once, it would fail again at once."""
        for function, arguments in zip(self.functions, self._arguments, strict=True):
            try:
                function(**arguments)
            except (RequestException, CatchResponseError, ConnectionError) as exc:
                if isinstance(exc, ValueError):  # MissingSchema and the like
                    self._end(exc)
                logger.debug("%s failed: %r", function.__name__, exc)
            except Exception as exc:
                self._end(exc)

    def _end(self, exc: Exception) -> NoReturn:
        assert self._taskset_instance is not None
        self._taskset_instance._report_task_error(exc)
        raise StopUser from exc

    def _release(self) -> None:
        for arguments in self._arguments:
            for client in arguments.values():
                client.abandon()


def _parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def pytest_user_classes(module: ModuleType) -> dict[str, type[User]]:
    """A user class for each ``test*`` function in ``module`` (imported ones too, as pytest
    collects them).

    Raises:
        LocustfileError: A function takes an argument other than the fixtures horde gives.
    """
    classes: dict[str, type[User]] = {}
    for name, value in vars(module).items():
        if not (name.startswith("test") and inspect.isfunction(value)):
            continue
        unknown = [parameter for parameter in _parameters(value) if parameter not in _FIXTURES]
        if unknown:
            raise LocustfileError(
                f"{name} takes {unknown[0]!r}: horde gives pytest-style test functions the "
                "'session' and 'fastsession' fixtures only"
            )
        classes[name] = type(
            name, (PytestUser,), {"functions": [value], "__module__": module.__name__}
        )
    return classes
