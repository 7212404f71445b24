"""The exceptions horde raises, and the control-flow signals user code raises.

Errors form one tree under :class:`HordeError`::

    HordeError
    ├── UsageError (alias LocustError)       the API was used the wrong way
    │   ├── MissingWaitTimeError             a user or task set has no wait time
    │   └── RunnerAlreadyExistsError         a second runner on one environment
    ├── ConfigError                          bad command line, env var or config file
    │   └── LocustfileError                  a locustfile is missing, broken or empty
    ├── ResponseError                        raised in a ``catch_response`` block: a failure
    ├── CatchResponseError                   what ``failure("text")`` records
    ├── RequestException                     the HTTP client's errors (horde.http, requests' names)
    │   ├── HTTPError → LocustBadStatusCode
    │   ├── ConnectionError → ConnectTimeout, SSLError, ProxyError
    │   ├── Timeout → ReadTimeout, ConnectTimeout
    │   └── TooManyRedirects, InvalidURL, InvalidResponse, ResponseTooLarge, ...
    ├── DemoServerError, PoolTimeoutError    the demo shop (horde.demo)
    └── RPCError                             master/worker transport trouble
        ├── RPCSendError
        └── RPCReceiveError

Control-flow signals are not errors and sit apart from the tree. They derive from
``Exception`` (as in Locust) so existing locustfiles that catch them keep working:
:class:`StopUser`, :class:`StopTest`, :class:`RescheduleTask`,
:class:`RescheduleTaskImmediately` and :class:`InterruptTaskSet`. One derives from
``BaseException``, as gevent's ``GreenletExit`` does, so that user code does not catch it
by accident: :class:`BlockingCallInterrupted`.
"""

from __future__ import annotations

__all__ = [
    "BlockingCallInterrupted",
    "CatchResponseError",
    "ConfigError",
    "HordeError",
    "InterruptTaskSet",
    "LocustError",
    "LocustfileError",
    "MissingWaitTimeError",
    "RPCError",
    "RPCReceiveError",
    "RPCSendError",
    "RescheduleTask",
    "RescheduleTaskImmediately",
    "ResponseError",
    "RunnerAlreadyExistsError",
    "StopTest",
    "StopUser",
    "UsageError",
]


class HordeError(Exception):
    """Root of every error horde raises."""


class UsageError(HordeError):
    """The API was used in a way it does not support."""


LocustError = UsageError


class MissingWaitTimeError(UsageError):
    """A user or task set runs without a ``wait_time``."""


class RunnerAlreadyExistsError(UsageError):
    """An environment already has a runner."""


class ConfigError(HordeError):
    """A command-line option, environment variable or config file value is wrong.

    Args:
        message: What was wrong, where, and what to do about it.
        exit_code: The process exit code this error leads to.
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class LocustfileError(ConfigError):
    """A locustfile cannot be found, imported, or holds no user classes."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message, exit_code)


class ResponseError(HordeError):
    """Raised inside a ``catch_response`` block to mark the request failed."""


class CatchResponseError(HordeError):
    """The error recorded by ``response.failure("message")``."""


class RPCError(HordeError):
    """Master/worker communication failed."""


class RPCSendError(RPCError):
    """A message could not be sent."""


class RPCReceiveError(RPCError):
    """A message could not be received or decoded.

    Args:
        message: What went wrong.
        addr: The peer the message came from, when known.
    """

    def __init__(self, message: str = "", addr: str | None = None) -> None:
        super().__init__(message)
        self.addr = addr


# Control-flow signals ---------------------------------------------------------------


class BlockingCallInterrupted(BaseException):
    """Raised in user code that held the event loop when the run had to end (the run
    time ran out, or a signal came): the call never returned, and nothing else could run.
    Like gevent's ``GreenletExit``, it is not an ``Exception``: a ``try``/``except
    Exception`` around the call does not keep the user in it. The user stops."""


class StopUser(Exception):
    """End this user: its ``on_stop`` handlers run and it is not respawned."""


class StopTest(Exception):
    """Inside a task, end this user; from the runner (spawning, a shape), end the run."""


class RescheduleTask(Exception):
    """Leave the current task; the wait before the next one still happens."""


class RescheduleTaskImmediately(Exception):
    """Leave the current task and start the next one without waiting."""


class InterruptTaskSet(Exception):
    """Leave the current task set and return control to its parent.

    Args:
        reschedule: When true the parent picks its next task at once, otherwise it waits first.
    """

    def __init__(self, reschedule: bool = True) -> None:
        super().__init__(reschedule)
        self.reschedule = reschedule
