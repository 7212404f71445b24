"""``locust``: horde's locustfile API under Locust's names."""

from horde import (
    FastHttpUser,
    HttpUser,
    LoadTestShape,
    MarkovTaskSet,
    SequentialTaskSet,
    TaskSet,
    User,
    __version__,
    between,
    constant,
    constant_pacing,
    constant_throughput,
    events,
    poisson,
    run_single_user,
    tag,
    task,
    transition,
    transitions,
)
from horde.compat.locust.user import wait_time
from horde.event import Events


class _RenamedInVersion1:
    """Subclassing the pre-1.0 names fails with the rename, as in Locust."""

    new_name = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__()
        if _RenamedInVersion1 in cls.__bases__:  # Locust and HttpLocust themselves
            return
        raise ImportError(
            f"The {cls.__mro__[1].__name__} class has been renamed to {cls.new_name} in 1.0; "
            "update your locustfile"
        )


class Locust(_RenamedInVersion1):
    """Renamed to User in 1.0."""

    new_name = "User"


class HttpLocust(_RenamedInVersion1):
    """Renamed to HttpUser in 1.0."""

    new_name = "HttpUser"


__all__ = [
    "Events",
    "FastHttpUser",
    "HttpLocust",
    "HttpUser",
    "LoadTestShape",
    "Locust",
    "MarkovTaskSet",
    "SequentialTaskSet",
    "TaskSet",
    "User",
    "__version__",
    "between",
    "constant",
    "constant_pacing",
    "constant_throughput",
    "events",
    "poisson",
    "run_single_user",
    "tag",
    "task",
    "transition",
    "transitions",
    "wait_time",
]
