"""Environment: everything one test run shares (user classes, events, stats, runner)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from horde.engine._runner import LocalRunner
from horde.engine._shape import LoadTestShape
from horde.event import Events
from horde.exceptions import RunnerAlreadyExistsError, UsageError
from horde.stats import RequestStats
from horde.user import User, filter_tasks_by_tags

__all__ = ["Environment", "runnable"]

logger = logging.getLogger("horde.env")


def runnable(user_classes: Sequence[type[User]]) -> list[type[User]]:
    """The classes that can have users: those with a weight or a fixed_count above 0.

    Raises:
        ValueError: None can.
    """
    kept = [cls for cls in user_classes if cls.weight > 0 or cls.fixed_count > 0]
    if not kept:
        raise ValueError("There are no users with weight > 0.")
    return kept


class Environment:
    """The run's shared state; locustfiles reach it as ``self.environment`` or in events.

    Example:
        >>> from horde import User, task
        >>> from horde.engine import Environment
        >>> class Quiet(User):
        ...     @task
        ...     def nothing(self):
        ...         pass
        >>> env = Environment(user_classes=[Quiet])
        >>> runner = env.create_local_runner()
    """

    def __init__(
        self,
        *,
        user_classes: Sequence[type[User]] | None = None,
        shape_class: LoadTestShape | None = None,
        tags: list[str] | None = None,
        locustfile: str | None = None,
        exclude_tags: list[str] | None = None,
        events: Events | None = None,
        host: str | None = None,
        reset_stats: bool = False,
        stop_timeout: float | None = None,
        catch_exceptions: bool = True,
        parsed_options: Any = None,
        parsed_locustfiles: list[str] | None = None,
        available_user_classes: dict[str, type[User]] | None = None,
        available_shape_classes: dict[str, LoadTestShape] | None = None,
        profile: str | None = None,
    ) -> None:
        self.runner: Any = None
        self.web_ui: Any = None
        self.process_exit_code: int | None = None
        self.events = events if events is not None else Events()
        self.locustfile = locustfile
        self.user_classes: list[type[User]] = runnable(user_classes) if user_classes else []
        self._check_unique_names()
        if shape_class is not None and not isinstance(shape_class, LoadTestShape):
            raise ValueError("shape_class should be an instance of LoadTestShape or subclass")
        self.shape_class = shape_class
        self.tags = tags
        self.exclude_tags = exclude_tags
        # Per-second counts older than an hour are dropped; the time series keeps the history.
        self.stats = RequestStats(per_second_retention=3600)
        self.host = host
        self.reset_stats = reset_stats
        if stop_timeout is None and parsed_options is not None:
            stop_timeout = getattr(parsed_options, "stop_timeout", None)
        self.stop_timeout = float(stop_timeout or 0)
        self.catch_exceptions = catch_exceptions
        self.parsed_options = parsed_options
        self.parsed_locustfiles = parsed_locustfiles or []
        self.available_user_classes = available_user_classes or {}
        self.available_shape_classes = available_shape_classes or {}
        self.profile = profile
        self.worker_logs: dict[str, list[str]] = {}
        self._filter_tasks_by_tags()

    @property
    def user_classes_by_name(self) -> dict[str, type[User]]:
        """The user classes, by class name."""
        return {cls.__name__: cls for cls in self.user_classes}

    def _check_unique_names(self) -> None:
        names = [cls.__name__ for cls in self.user_classes]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(
                "The following user classes have the same class name: " + ", ".join(duplicates)
            )

    def _filter_tasks_by_tags(self) -> None:
        tags = self.tags
        exclude_tags = self.exclude_tags
        if self.parsed_options is not None:
            tags = tags or getattr(self.parsed_options, "tags", None)
            exclude_tags = exclude_tags or getattr(self.parsed_options, "exclude_tags", None)
        if not tags and not exclude_tags:
            return
        include = set(tags) if tags else None
        exclude = set(exclude_tags) if exclude_tags else None
        for user_class in self.user_classes:
            filter_tasks_by_tags(user_class, include, exclude)
            if not user_class.tasks:
                logger.warning(
                    "%s had no tasks left after filtering, instantiating it will fail!",
                    user_class.__name__,
                )

    def assign_equal_weights(self) -> None:
        """Give every class weight 1 and every distinct task (nested ones flattened) once."""
        for user_class in self.user_classes:
            user_class.weight = 1
            distinct: list[Any] = []
            pending = list(user_class.tasks)
            while pending:
                item = pending.pop(0)
                if getattr(item, "tasks", None):  # a task set with no flat list (Markov) stays
                    pending.extend(item.tasks)
                elif item not in distinct:
                    distinct.append(item)
            user_class.tasks = distinct

    def update_user_class(self, user_settings: dict[str, Any]) -> None:
        """Set attributes of a user class; ``tasks`` is a list of task names to keep."""
        settings = dict(user_settings)
        name = settings.pop("user_class_name")
        user_class = self.available_user_classes.get(name) or self.user_classes_by_name.get(name)
        if user_class is None:
            raise UsageError(f"Unknown user class {name!r}")
        for attribute, value in settings.items():
            if attribute == "tasks":
                wanted = set(value)
                user_class.tasks = [
                    t for t in user_class.tasks if getattr(t, "__name__", None) in wanted
                ]
            else:
                setattr(user_class, attribute, value)

    def create_local_runner(self) -> Any:
        """Create the runner that runs every user in this process."""
        return self._set_runner(LocalRunner(self))

    def create_master_runner(
        self, master_bind_host: str = "*", master_bind_port: int = 5557
    ) -> Any:
        """Create a master that places users on workers (see :mod:`horde.distributed`)."""
        from horde.distributed import MasterRunner  # the one upward import: Locust's factory

        return self._set_runner(MasterRunner(self, master_bind_host, master_bind_port))

    def create_worker_runner(self, master_host: str, master_port: int) -> Any:
        """Create a worker that runs the users a master gives it."""
        from horde.distributed import WorkerRunner

        return self._set_runner(WorkerRunner(self, master_host, master_port))

    def _set_runner(self, runner: Any) -> Any:
        if self.runner is not None:
            raise RunnerAlreadyExistsError(f"Environment.runner already exists ({self.runner})")
        self.runner = runner
        if self.shape_class is not None:
            self.shape_class.runner = runner
        return runner
