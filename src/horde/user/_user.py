"""User: one simulated user, running its tasks in a loop until stopped."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from horde.exceptions import BlockingCallInterrupted, StopTest, StopUser
from horde.runtime import Alarm, SyncCaller, await_
from horde.user._invoke import invoke, invoke_on_stop, overrides
from horde.user._task import get_tasks_from_base_classes
from horde.user._taskset import (
    LOCUST_STATE_RUNNING,
    LOCUST_STATE_STOPPING,
    LOCUST_STATE_WAITING,
    DefaultTaskSet,
    TaskSet,
)
from horde.user._wait_time import constant

if TYPE_CHECKING:
    from horde.event import Events

__all__ = ["User", "UserEnvironment", "UserMeta"]

logger = logging.getLogger("horde.user.users")


class UserEnvironment(Protocol):
    """What a user needs from the environment it runs in."""

    events: Events
    host: str | None
    catch_exceptions: bool


class UserMeta(type):
    """Builds the flat task list, and makes every class not marked abstract concrete."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> UserMeta:
        namespace["tasks"] = get_tasks_from_base_classes(bases, namespace)
        if "abstract" not in namespace:
            namespace["abstract"] = False
        if "run" in namespace and "locust_task_weight" in dir(namespace["run"]):
            raise TypeError(f"{name}: a task may not be called 'run'")
        return super().__new__(mcs, name, bases, namespace)


class User(metaclass=UserMeta):
    """A simulated user: it runs its tasks, waiting ``wait_time`` between them.

    Example:
        >>> from horde import User, between, task
        >>> class Worker(User):
        ...     wait_time = between(1, 2)
        ...     @task
        ...     def work(self):
        ...         pass
    """

    host: str | None = None
    """Base URL of the target; ``-H/--host`` overrides it."""
    min_wait: float | None = None
    max_wait: float | None = None
    wait_time = constant(0)
    """Seconds to wait after each task; see :func:`horde.between` and friends."""
    wait_function: Any = None
    tasks: ClassVar[list[Any]] = []
    weight: float = 1
    """Relative share of users of this class."""
    fixed_count: int = 0
    """When positive, exactly this many users of the class run, whatever the weights."""
    abstract: bool = True
    """Abstract classes are never spawned."""

    def __init__(self, environment: UserEnvironment) -> None:
        self.environment = environment
        self._state: str | None = None
        self._taskset_instance: TaskSet | None = None
        self._task: asyncio.Task[None] | None = None
        self._caller = SyncCaller()  # runs this user's synchronous code in pooled greenlets
        self._alarm: Alarm | None = None  # its loop's alarm, once it first waits
        self._cp_last_run = time.perf_counter()  # constant_pacing counts from creation
        self._cp_last_wait_time: float | None = None

    def on_start(self) -> None:
        """Called when the user starts, before its first task."""

    def on_stop(self) -> None:
        """Called when the user stops."""

    def context(self) -> dict[str, Any]:
        """Extra ``context`` merged into every request this user reports."""
        return {}

    def wait(self) -> None:
        """Sleep for ``wait_time()`` seconds (from synchronous task code)."""
        if self._taskset_instance is not None:
            self._taskset_instance.wait()

    def run(self) -> None:
        """Run the user from synchronous code until it stops."""
        await_(self._run())

    async def _run(self) -> None:
        self._state = LOCUST_STATE_RUNNING
        self._taskset_instance = DefaultTaskSet(self)
        try:
            await self._start()
            await self._taskset_instance._run()
        except (StopUser, StopTest):
            await self._stop_hook()
        except (asyncio.CancelledError, BlockingCallInterrupted):  # stopped, as by gevent's kill
            await self._stop_hook()
            raise
        finally:
            self._release()

    def _release(self) -> None:
        """Free what the user holds (connections) once it has stopped."""

    async def _start(self) -> None:
        try:
            if overrides(self.on_start, User.on_start):
                await invoke(self._caller, self.on_start)
        except (StopUser, StopTest, asyncio.CancelledError):
            raise
        except Exception as exc:
            logger.error("%s\n%s", exc, traceback.format_exc())
            self.environment.events.user_error.fire(
                user_instance=self, exception=exc, tb=exc.__traceback__
            )
            raise

    async def _stop_hook(self) -> None:
        if overrides(self.on_stop, User.on_stop):
            await invoke_on_stop(self._caller, self.on_stop)

    def stop(self, force: bool = False) -> bool:
        """Stop the user.

        A user that is waiting, or any user when ``force`` is true, is stopped at once;
        a user in the middle of a task finishes it first.

        Returns:
            Whether the user was stopped at once.
        """
        if force or self._state in (None, LOCUST_STATE_WAITING):
            if self._task is not None and not self._task.done():
                self._task.cancel()
            return True
        self._state = LOCUST_STATE_STOPPING
        return False

    @classmethod
    def json(cls) -> dict[str, Any]:
        """The class as the web UI lists it."""
        return {
            "host": cls.host,
            "weight": cls.weight,
            "fixed_count": cls.fixed_count,
            "tasks": [getattr(t, "__name__", str(t)) for t in cls.tasks],
        }

    @classmethod
    def fullname(cls) -> str:
        """``module.QualName`` of the class, without ``<locals>``."""
        qualname = ".".join(part for part in cls.__qualname__.split(".") if part != "<locals>")
        return f"{cls.__module__}.{qualname}"
