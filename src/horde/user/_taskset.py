"""TaskSet and SequentialTaskSet: groups of tasks with their own loop.

The task loop is written once, as a coroutine. Synchronous tasks run in a greenlet
bridged to the loop (see :mod:`horde.runtime`); ``async def`` tasks are awaited directly.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeGuard

from horde.exceptions import (
    InterruptTaskSet,
    MissingWaitTimeError,
    RescheduleTask,
    RescheduleTaskImmediately,
    StopTest,
    StopUser,
    UsageError,
)
from horde.runtime import LOOP_TURNS, alarm_for, await_
from horde.user._invoke import invoke, invoke_on_stop, overrides
from horde.user._task import get_tasks_from_base_classes

if TYPE_CHECKING:
    from horde.user._user import User

__all__ = [
    "LOCUST_STATE_RUNNING",
    "LOCUST_STATE_STOPPING",
    "LOCUST_STATE_WAITING",
    "DefaultTaskSet",
    "SequentialTaskSet",
    "TaskSet",
]

logger = logging.getLogger("horde.user.task")

LOCUST_STATE_RUNNING = "running"
LOCUST_STATE_WAITING = "waiting"
LOCUST_STATE_STOPPING = "stopping"


class TaskSetMeta(type):
    """Builds the flat weighted task list of each TaskSet class."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> TaskSetMeta:
        namespace["tasks"] = get_tasks_from_base_classes(bases, namespace)
        return super().__new__(mcs, name, bases, namespace)


def _no_tasks_message(owner: type, kind: str) -> str:
    message = (
        f"No tasks defined on {owner.__name__}. Use the @task decorator or set the "
        f"'tasks' attribute of the {kind} (or mark it as abstract = True if you only "
        "intend to subclass it)"
    )
    if hasattr(owner, "task"):
        message += " Did you mean 'tasks' instead of 'task'?"
    return message


def _pick(tasks: list[Any], owner: type, kind: str) -> Any:
    """A task at random, by weight; no random draw for a single task (the hot loop)."""
    if len(tasks) == 1:
        return tasks[0]
    if not tasks:
        raise Exception(_no_tasks_message(owner, kind))  # noqa: TRY002 - Locust's type
    return random.choice(tasks)


def _is_taskset_class(task: Any) -> TypeGuard[type[TaskSet]]:
    # isinstance first: hasattr() on a plain function raises and catches internally.
    return isinstance(task, type) and issubclass(task, TaskSet)


class TaskSet(metaclass=TaskSetMeta):
    """A group of tasks a user runs until it is interrupted.

    Example:
        >>> from horde import HttpUser, TaskSet, task
        >>> class Browse(TaskSet):
        ...     @task(5)
        ...     def list(self):
        ...         self.client.get("/products")
        ...     @task
        ...     def leave(self):
        ...         self.interrupt()
        >>> class Shopper(HttpUser):
        ...     tasks = [Browse]
    """

    tasks: ClassVar[list[Any]] = []
    min_wait: float | None = None
    max_wait: float | None = None
    wait_function: Callable[[], float] | None = None

    def __init__(self, parent: TaskSet | User) -> None:
        # A list, not a deque: it holds a task or two, and an empty deque is a 0.6 KB block
        # per task set, which thousands of users would keep for nothing.
        self._task_queue: list[Any] = []
        self._time_start = time.time()
        if isinstance(parent, TaskSet):
            self._user: User = parent.user
        elif hasattr(parent, "environment"):
            self._user = parent
        else:
            raise UsageError(
                "TaskSet should be called with User instance or TaskSet instance as first argument"
            )
        self._parent = parent
        self._cp_last_run = time.perf_counter()
        self._cp_last_wait_time: float | None = None
        if not self.min_wait:
            self.min_wait = self.user.min_wait
        if not self.max_wait:
            self.max_wait = self.user.max_wait
        if not self.wait_function:
            self.wait_function = self.user.wait_function

    @property
    def user(self) -> User:
        """The user running this task set."""
        return self._user

    @property
    def parent(self) -> TaskSet | User:
        """The task set (or user) that started this one."""
        return self._parent

    @property
    def client(self) -> Any:
        """The user's client (``self.user.client``)."""
        return self._user.client  # type: ignore[attr-defined]

    def on_start(self) -> None:
        """Called when the task set starts running."""

    def on_stop(self) -> None:
        """Called when the task set stops: interrupted, or the user stopped."""

    def wait_time(self) -> float:
        """Seconds to wait after a task; by default the user's ``wait_time``."""
        wait_time = self._user.wait_time
        if wait_time:  # type: ignore[truthy-function]
            return wait_time()
        if self.min_wait is not None and self.max_wait is not None:
            return random.randint(int(self.min_wait), int(self.max_wait)) / 1000.0
        raise MissingWaitTimeError(
            f"You must define a wait_time method on either the {type(self.user).__name__} "
            f"or {type(self).__name__} class"
        )

    def get_next_task(self) -> Any:
        """Pick the next task at random, by weight."""
        return _pick(self.tasks, type(self), "TaskSet")

    def schedule_task(self, task_callable: Any, first: bool = False) -> None:
        """Queue a task to run next (``first=True``) or after the queued ones."""
        if first:
            self._task_queue.insert(0, task_callable)
        else:
            self._task_queue.append(task_callable)

    def interrupt(self, reschedule: bool = True) -> NoReturn:
        """Leave this task set and hand control back to its parent.

        Args:
            reschedule: Whether the parent picks its next task at once (else it waits first).
        """
        raise InterruptTaskSet(reschedule)

    def wait(self) -> None:
        """Sleep for ``wait_time()`` seconds (from synchronous task code)."""
        waiting = self._wait()
        if waiting is not None:
            await_(waiting)

    def run(self) -> None:
        """Run the task loop from synchronous code until interrupted."""
        await_(self._run())

    def execute_task(self, task: Any) -> Any:
        """Run one task from synchronous code."""
        return await_(self._execute(task))

    def _execute(self, task: Any) -> Awaitable[None]:
        # The awaitable is returned, not awaited here: one coroutine frame less between
        # the user's task loop and every request it waits on.
        if getattr(task, "__self__", None) is self:
            return invoke(self._user._caller, task)
        if _is_taskset_class(task):
            return task(self)._run()
        return invoke(self._user._caller, task, self)

    def _check_stop_condition(self) -> None:
        if self._user._state == LOCUST_STATE_STOPPING:
            raise StopUser

    def _wait(self, turns: int | None = None) -> Awaitable[None] | None:
        """The wait after a task, or None when there is none (a coroutine frame saved).

        Args:
            turns: ``LOOP_TURNS.count`` when the task began, if known.
        """
        self._check_stop_condition()
        # Wait-time functions are plain and quick: call them directly, no greenlet.
        seconds = self.wait_time()
        if seconds > 0 or not (
            self._user._caller.suspended or (turns is not None and LOOP_TURNS.count != turns)
        ):
            # Even with no wait, a task that may not have given the loop a turn yields
            # once, so no user can starve the rest.
            return self._sleep(seconds)
        return None

    async def _sleep(self, seconds: float) -> None:
        user = self._user
        user._state = LOCUST_STATE_WAITING
        if seconds > 0:
            alarm = user._alarm
            if alarm is None:
                alarm = user._alarm = alarm_for(asyncio.get_running_loop())
            await alarm.after(seconds)
        else:
            await asyncio.sleep(0)  # a bare yield (the hot loop): no frame more than needed
        self._check_stop_condition()
        user._state = LOCUST_STATE_RUNNING

    async def _run(self) -> None:
        try:
            if overrides(self.on_start, TaskSet.on_start):
                await invoke(self._user._caller, self.on_start)
        except InterruptTaskSet as exc:
            raise (RescheduleTaskImmediately if exc.reschedule else RescheduleTask)(
                exc.reschedule
            ) from exc
        user = self._user
        queue = self._task_queue
        while True:
            try:
                if not queue:
                    self.schedule_task(self.get_next_task())
                self._check_stop_condition()
                user._caller.suspended = False
                turns = LOOP_TURNS.count
                try:
                    await self._execute(queue.pop(0))
                except RescheduleTaskImmediately:
                    # No wait, but still let the loop run: a user that never waits must
                    # not starve the others.
                    await asyncio.sleep(0)
                    continue
                except RescheduleTask:
                    pass
                waiting = self._wait(turns)
                if waiting is not None:
                    await waiting
            except InterruptTaskSet as exc:
                await self._stop_quietly()
                raise (RescheduleTaskImmediately if exc.reschedule else RescheduleTask)(
                    exc.reschedule
                ) from exc
            except (StopUser, StopTest, asyncio.CancelledError):
                await self._stop_quietly()
                raise
            except Exception as exc:
                await self._handle_task_error(exc)

    async def _handle_task_error(self, exc: Exception) -> None:
        self._report_task_error(exc)
        # A failed task may not have awaited anything: always give the loop a turn.
        self._check_stop_condition()
        await self._sleep(self.wait_time())

    def _report_task_error(self, exc: Exception) -> None:
        """Fire ``user_error`` and log ``exc``; re-raise it when exceptions are not caught."""
        environment = self.user.environment
        environment.events.user_error.fire(user_instance=self, exception=exc, tb=exc.__traceback__)
        if not environment.catch_exceptions:
            raise exc
        logger.error("%s\n%s", exc, traceback.format_exc())

    async def _stop_quietly(self) -> None:
        if overrides(self.on_stop, TaskSet.on_stop):
            await invoke_on_stop(self._user._caller, self.on_stop)


class DefaultTaskSet(TaskSet):
    """The task set every user runs its own ``tasks`` through."""

    def get_next_task(self) -> Any:
        """Pick the next of the user's tasks at random, by weight."""
        return _pick(self._user.tasks, type(self._user), "User")

    def _execute(self, task: Any) -> Awaitable[None]:
        if _is_taskset_class(task):
            return task(self._user)._run()
        return invoke(self._user._caller, task, self._user)


class SequentialTaskSetMeta(TaskSetMeta):
    """Keeps the tasks of a SequentialTaskSet in declaration order."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]
    ) -> SequentialTaskSetMeta:
        sequence: list[Any] = []
        for base in bases:
            sequence.extend(getattr(base, "tasks", None) or [])
        for key, value in namespace.items():
            if key == "tasks":
                if isinstance(value, list):
                    sequence.extend(value)
                elif isinstance(value, dict):
                    for item, weight in value.items():
                        sequence.extend([item] * weight)
                else:
                    raise ValueError("The 'tasks' attribute can only be set to list or dict")
            elif "locust_task_weight" in dir(value):
                sequence.extend([value] * value.locust_task_weight)
        cls = type.__new__(mcs, name, bases, namespace)
        cls.tasks = sequence  # type: ignore[attr-defined]
        return cls


class SequentialTaskSet(TaskSet, metaclass=SequentialTaskSetMeta):
    """A task set whose tasks run in the order they are declared, over and over.

    Example:
        >>> from horde import SequentialTaskSet, task
        >>> class Checkout(SequentialTaskSet):
        ...     @task
        ...     def cart(self):
        ...         self.client.get("/cart")
        ...     @task
        ...     def pay(self):
        ...         self.client.post("/pay")
    """

    def __init__(self, parent: TaskSet | User) -> None:
        super().__init__(parent)
        self._task_index = 0

    def get_next_task(self) -> Any:
        """The next task in declaration order."""
        if not self.tasks:
            raise UsageError(
                "No tasks defined. Use the @task decorator or set the 'tasks' attribute "
                "of the SequentialTaskSet"
            )
        task = self.tasks[self._task_index % len(self.tasks)]
        self._task_index += 1
        return task
