"""Users and their tasks: the locustfile API."""

from horde.user._http_user import FastHttpUser, HttpUser
from horde.user._invoke import has_sync_tasks
from horde.user._markov import (
    InvalidTransitionError,
    MarkovTaskSet,
    MarkovTaskTagError,
    NoMarkovTasksError,
    NonMarkovTaskTransitionError,
    transition,
    transitions,
)
from horde.user._pytest_user import PytestUser, pytest_user_classes
from horde.user._task import filter_tasks_by_tags, get_tasks_from_base_classes, tag, task
from horde.user._taskset import (
    LOCUST_STATE_RUNNING,
    LOCUST_STATE_STOPPING,
    LOCUST_STATE_WAITING,
    DefaultTaskSet,
    SequentialTaskSet,
    TaskSet,
)
from horde.user._user import User, UserEnvironment, UserMeta
from horde.user._wait_time import (
    between,
    constant,
    constant_pacing,
    constant_throughput,
    poisson,
)

__all__ = [
    "LOCUST_STATE_RUNNING",
    "LOCUST_STATE_STOPPING",
    "LOCUST_STATE_WAITING",
    "DefaultTaskSet",
    "FastHttpUser",
    "HttpUser",
    "InvalidTransitionError",
    "MarkovTaskSet",
    "MarkovTaskTagError",
    "NoMarkovTasksError",
    "NonMarkovTaskTransitionError",
    "PytestUser",
    "SequentialTaskSet",
    "TaskSet",
    "User",
    "UserEnvironment",
    "UserMeta",
    "between",
    "constant",
    "constant_pacing",
    "constant_throughput",
    "filter_tasks_by_tags",
    "get_tasks_from_base_classes",
    "has_sync_tasks",
    "poisson",
    "pytest_user_classes",
    "tag",
    "task",
    "transition",
    "transitions",
]
