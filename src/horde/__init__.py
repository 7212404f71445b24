"""horde: load testing that runs your locustfiles on a fraction of the CPU.

Example:
    >>> from horde import HttpUser, between, task
    >>> class Shopper(HttpUser):
    ...     wait_time = between(1, 5)
    ...     @task
    ...     def products(self):
    ...         self.client.get("/api/products")

Run it with ``horde -f locustfile.py --headless -u 100 -r 10 -t 1m -H http://127.0.0.1:8000``.
"""

from horde._version import __version__
from horde.engine import LoadTestShape, StepLoadShape, run_single_user
from horde.event import Events, events
from horde.runtime import run_blocking
from horde.user import (
    FastHttpUser,
    HttpUser,
    MarkovTaskSet,
    SequentialTaskSet,
    TaskSet,
    User,
    between,
    constant,
    constant_pacing,
    constant_throughput,
    poisson,
    tag,
    task,
    transition,
    transitions,
)

__all__ = [
    "Events",
    "FastHttpUser",
    "HttpUser",
    "LoadTestShape",
    "MarkovTaskSet",
    "SequentialTaskSet",
    "StepLoadShape",
    "TaskSet",
    "User",
    "__version__",
    "between",
    "constant",
    "constant_pacing",
    "constant_throughput",
    "events",
    "poisson",
    "run_blocking",
    "run_single_user",
    "tag",
    "task",
    "transition",
    "transitions",
]
