"""Task ratios: the share of executions each user class and task gets."""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from horde.user import TaskSet, User

__all__ = ["task_ratios"]

RatioTree = dict[str, dict[str, Any]]


def _task_ratios(tasks: Sequence[Any], total: bool, parent_ratio: float) -> RatioTree:
    scale = parent_ratio if total else 1.0
    counts = Counter(tasks)
    tree: RatioTree = {}
    for task, count in counts.items():
        ratio = count * scale / len(tasks)
        node: dict[str, Any] = {"ratio": ratio}
        if inspect.isclass(task) and issubclass(task, TaskSet):
            node["tasks"] = _task_ratios(task.tasks, total, ratio)
        tree[task.__name__] = node
    return tree


def task_ratios(
    user_classes: Sequence[type[User]], user_counts: Mapping[str, float], total: bool
) -> RatioTree:
    """The ratio tree Locust's ``--show-task-ratio`` and web ``/tasks`` show.

    Args:
        user_classes: The classes.
        user_counts: Users (or weights) per class name.
        total: Ratios of all executions (True) or within each class/task set (False).
    """
    all_users = sum(user_counts.values()) or 1
    tree: RatioTree = {}
    for user_class in user_classes:
        ratio = user_counts.get(user_class.__name__, 0) / all_users
        tree[user_class.__name__] = {
            "ratio": ratio,
            "tasks": _task_ratios(user_class.tasks, total, ratio),
        }
    return tree
