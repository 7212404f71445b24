"""``locust.user.task``: TaskSet, task, tag and the user states."""

from horde.user import (
    LOCUST_STATE_RUNNING,
    LOCUST_STATE_STOPPING,
    LOCUST_STATE_WAITING,
    DefaultTaskSet,
    TaskSet,
    filter_tasks_by_tags,
    get_tasks_from_base_classes,
    tag,
    task,
)

__all__ = [
    "LOCUST_STATE_RUNNING",
    "LOCUST_STATE_STOPPING",
    "LOCUST_STATE_WAITING",
    "DefaultTaskSet",
    "TaskSet",
    "filter_tasks_by_tags",
    "get_tasks_from_base_classes",
    "tag",
    "task",
]
