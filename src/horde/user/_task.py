"""Declaring tasks: ``@task``, ``@tag``, and the flat weighted task list.

A class's task list is built once, when the class is created: its bases' tasks, then
its ``tasks`` attribute (list, list of ``(task, weight)`` or dict), then every
``@task`` in the class body, each repeated as many times as its weight. Picking a task
is then one ``random.choice``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, overload

__all__ = ["filter_tasks_by_tags", "get_tasks_from_base_classes", "tag", "task"]

logger = logging.getLogger("horde.user")

F = TypeVar("F", bound=Callable[..., Any])


@overload
def task(weight: F) -> F: ...


@overload
def task(weight: int = 1) -> Callable[[F], F]: ...


def task(weight: Any = 1) -> Any:
    """Mark a method (or a nested TaskSet class) as a task, with an optional weight.

    Example:
        >>> from horde import HttpUser, task
        >>> class Shopper(HttpUser):
        ...     @task(3)
        ...     def browse(self):
        ...         self.client.get("/products")
        ...     @task
        ...     def buy(self):
        ...         self.client.post("/orders")
    """

    def decorator(func: F) -> F:
        func.locust_task_weight = weight  # type: ignore[attr-defined]
        return func

    if callable(weight):
        func, weight = weight, 1
        return decorator(func)
    return decorator


def tag(*tags: str) -> Callable[[F], F]:
    """Tag a task (or every task of a TaskSet class) for ``--tags`` / ``--exclude-tags``.

    Raises:
        ValueError: If no tag is given.

    Example:
        >>> from horde import User, tag, task
        >>> class Shopper(User):
        ...     @tag("browse")
        ...     @task
        ...     def browse(self):
        ...         pass
    """

    def decorator(decorated: F) -> F:
        if getattr(decorated, "_chained", False):
            logger.warning(
                "@tag on %s has no effect: a MarkovTaskSet is kept whole by tag filtering, "
                "and its tasks may not be tagged",
                decorated.__name__,
            )
        elif hasattr(decorated, "tasks"):  # a TaskSet class: tag every task inside it
            decorated.tasks = [tag(*tags)(item) for item in decorated.tasks]
        else:
            existing = decorated.__dict__.get("locust_tag_set", set())
            decorated.locust_tag_set = existing | set(tags)  # type: ignore[attr-defined]
        return decorated

    if not tags or callable(tags[0]):
        raise ValueError("No tag name was supplied")
    return decorator


def _expand(tasks: Any) -> list[Any]:
    """Turn a ``tasks`` attribute (list, list of pairs, or dict) into a flat list."""
    if isinstance(tasks, dict):
        tasks = list(tasks.items())
    flat: list[Any] = []
    for item in tasks:
        if isinstance(item, tuple):
            item_task, count = item
            flat.extend([item_task] * count)
        else:
            flat.append(item)
    return flat


def get_tasks_from_base_classes(bases: Iterable[type], class_dict: dict[str, Any]) -> list[Any]:
    """Build the flat task list of a class being created.

    A subclass's tasks are added to its parents' tasks, not used instead of them.
    """
    new_tasks: list[Any] = []
    for base in bases:
        new_tasks.extend(getattr(base, "tasks", None) or [])
    if class_dict.get("tasks"):
        new_tasks.extend(_expand(class_dict["tasks"]))
    for name, item in class_dict.items():
        if "locust_task_weight" in dir(item):
            if name in ("on_start", "on_stop"):
                logger.warning(
                    "You have tagged your on_start/stop method as a task; "
                    "it will run as a task too."
                )
            new_tasks.extend([item] * item.locust_task_weight)
    return new_tasks


def filter_tasks_by_tags(
    owner: Any,
    tags: set[str] | None,
    exclude_tags: set[str] | None,
    checked: dict[Any, bool] | None = None,
) -> None:
    """Remove, in place and recursively, the tasks that the tag options leave out."""
    checked = {} if checked is None else checked
    kept: list[Any] = []
    for item in owner.tasks:
        if item in checked:
            if checked[item]:
                kept.append(item)
            continue
        passing = True
        if getattr(item, "_chained", False):  # a MarkovTaskSet: its chain is kept whole
            pass
        elif hasattr(item, "tasks"):  # a nested TaskSet: kept if anything is left in it
            filter_tasks_by_tags(item, tags, exclude_tags, checked)
            passing = bool(item.tasks)
        else:
            item_tags: set[str] = getattr(item, "locust_tag_set", set())
            if tags is not None:
                passing &= bool(item_tags & tags)
            if exclude_tags is not None:
                passing &= not (item_tags & exclude_tags)
        checked[item] = passing
        if passing:
            kept.append(item)
    owner.tasks = kept
