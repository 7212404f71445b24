"""The local runner: spawns and stops users on the event loop, paced like Locust.

Every public method may be called from anywhere in the loop's thread: the CLI, an event
listener, or user code (a user calling ``self.environment.runner.quit()``). Methods that
need to wait schedule their work on the loop and return at once; the ``*_async`` twins
can be awaited.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import socket
import traceback
import uuid
from collections.abc import Callable, Coroutine, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from horde.engine._arrival import ArrivalExecutor, SharedArrivals
from horde.engine._dispatch import UserSequence, ramp_batches
from horde.engine._message import Message
from horde.engine._rate import ArrivalRate
from horde.engine._states import (
    STATE_INIT,
    STATE_RUNNING,
    STATE_SPAWNING,
    STATE_STOPPED,
    STATE_STOPPING,
)
from horde.exceptions import BlockingCallInterrupted, StopTest, UsageError
from horde.runtime import await_, call_sync, reserve_descriptors, settle, unsettle
from horde.stats import ExceptionLog
from horde.user import User

if TYPE_CHECKING:
    from horde.engine._environment import Environment

__all__ = [
    "LocalRunner",
]

logger = logging.getLogger("horde.runners")

# After cancelling users, how long their on_stop handlers may take before we move on.
_ON_STOP_GRACE_SECONDS = 30.0
# A ramp adds a batch of more than _SPAWN_AT_ONCE users in slices about this far apart.
_SPAWN_SLICE_SECONDS = 0.01
_SPAWN_AT_ONCE = 100


def _stop(user: User, *, force: bool) -> None:
    """``User.stop`` itself: a locustfile's task or attribute named ``stop`` must not
    keep the runner from stopping its users."""
    User.stop(user, force=force)


def _has_own_init(user_class: type[User]) -> bool:
    """Whether constructing ``user_class`` runs a locustfile's code (its own ``__init__``)."""
    return not getattr(user_class.__init__, "__module__", "").startswith("horde.")


class RunnerGreenlet:
    """Locust's ``runner.greenlet`` for synchronous code: joining it waits until the
    runner has quit; killing it quits the runner."""

    __slots__ = ("_runner",)

    def __init__(self, runner: LocalRunner) -> None:
        self._runner = runner

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the runner has quit; whether it had within ``timeout``."""
        try:
            await_(asyncio.wait_for(self._runner.wait_until_quit(), timeout))
        except TimeoutError:
            return False
        return True

    def kill(self, block: bool = True, timeout: float | None = None) -> None:
        """Quit the runner (and wait for it, unless ``block`` is off)."""
        self._runner.quit()
        if block:
            self.join(timeout)


class LocalRunner:
    """Runs every user in this process.

    Args:
        environment: The run's environment; the runner records into its stats.
    """

    worker_index = 0
    worker_count = 1

    def __init__(self, environment: Environment) -> None:
        # Before the users open their connections, and in the command before any thread
        # starts (a forked worker makes its runner after the fork): see reserve_descriptors.
        reserve_descriptors()
        self.environment = environment
        self.state = STATE_INIT
        self.exceptions = ExceptionLog()
        self.target_user_count = 0
        self.spawn_rate = 0.0
        self.client_id = f"{socket.gethostname()}_{uuid.uuid4().hex}"
        self.custom_messages: dict[str, tuple[Callable[..., Any], bool]] = {}
        self.cpu_warning_emitted = False
        self.current_cpu_usage = 0.0
        self.current_memory_usage = 0
        self.memory_peak = 0
        """The most resident bytes the process has held (horde's own, beside Locust's)."""
        self.unhandled_errors = 0
        """User code failures that escaped every handler (exit code 2 when nothing else failed)."""
        # Live users in start order (a ramp-down stops the last); a dict for O(1) removal.
        self._users: dict[int, User] = {}
        self.final_user_count = 0
        """Users running when the last stop began (for the final report rows)."""
        self._sequence: UserSequence | None = None
        self.arrivals: ArrivalExecutor | SharedArrivals | None = None
        """The open model's executor, once :meth:`start_arrivals` started one."""
        self._next_index = 0
        self._background: set[asyncio.Task[Any]] = set()
        self._ramp_task: asyncio.Task[None] | None = None
        self._shape_task: asyncio.Task[None] | None = None
        self._stop_task: asyncio.Task[None] | None = None
        self._quit_event: asyncio.Event | None = None
        self._quitting = False
        events = environment.events
        events.request.sink = environment.stats.record
        events.user_error.add_listener(self._on_user_error)
        events.spawning_complete.add_listener(self._on_spawning_complete)

    # -- what event handlers read ---------------------------------------------------

    @property
    def stats(self) -> Any:
        """The run's :class:`horde.stats.RequestStats`."""
        return self.environment.stats

    @property
    def errors(self) -> Any:
        """Request failures, grouped (``stats.errors``)."""
        return self.environment.stats.errors

    @property
    def user_classes(self) -> list[type[User]]:
        """The user classes of the run."""
        return self.environment.user_classes

    @property
    def user_classes_by_name(self) -> dict[str, type[User]]:
        """The user classes, by name."""
        return self.environment.user_classes_by_name

    @property
    def user_count(self) -> int:
        """How many users are alive now."""
        return len(self._users)

    @property
    def user_classes_count(self) -> dict[str, int]:
        """Live users per class name."""
        counts = {cls.__name__: 0 for cls in self.user_classes}
        for user in self._users.values():
            counts[type(user).__name__] = counts.get(type(user).__name__, 0) + 1
        return counts

    @property
    def target_user_classes_count(self) -> dict[str, int]:
        """Users per class name once the ramp reaches :attr:`target_user_count`."""
        if self._sequence is None:
            return {cls.__name__: 0 for cls in self.user_classes}
        return self._sequence.counts(self.target_user_count)

    # -- starting -------------------------------------------------------------------

    def start(
        self,
        user_count: int,
        spawn_rate: float,
        wait: bool = False,
        user_classes: list[type[User]] | None = None,
    ) -> None:
        """Ramp to ``user_count`` users at ``spawn_rate`` users per second.

        Returns at once; the ramp runs on the loop. Starting from idle clears the stats
        and fires ``test_start``.

        Raises:
            ValueError: If the count is negative or the rate is not a positive number.
        """
        if user_count < 0:
            raise ValueError(f"user count must be 0 or more, got {user_count}")
        list(ramp_batches(0, 1, spawn_rate))  # validates the rate
        if self._quitting:
            return  # a shape's late tick, say: the run is ending
        if user_classes is not None:
            self._sequence, self._next_index = UserSequence(user_classes), 0
        elif self._sequence is None:
            self._sequence = UserSequence(self.user_classes)
        if self._sequence.limit is not None and user_count > self._sequence.limit:
            logger.info(
                "Only %d users can run: every user class has a fixed_count", self._sequence.limit
            )
            user_count = self._sequence.limit
        # Set before test_start, whose listeners read them (to split test data, say).
        self.target_user_count = user_count
        self.spawn_rate = spawn_rate
        if self.state not in (STATE_SPAWNING, STATE_RUNNING):
            self._begin_test()
            if self._quitting:
                return  # told to quit while test_start's listeners ran (a Ctrl-C): no users
        if self._ramp_task is not None:
            self._ramp_task.cancel()
        self.state = STATE_SPAWNING
        self._ramp_task = self._spawn(self._ramp(user_count, spawn_rate))

    def start_arrivals(
        self,
        rate: ArrivalRate,
        max_concurrency: int,
        duration: float | None = None,
        step_s: float | None = None,
        *,
        elapsed: float = 0.0,
        phase: float = 0.0,
    ) -> None:
        """Run the open model: iterations at ``rate``, at most ``max_concurrency`` at once.

        Returns at once; :attr:`arrivals` holds the executor and its counts. Starting
        clears the stats and fires ``test_start``; the run goes on until stopped.
        ``elapsed`` starts the schedule that many seconds in, and ``phase`` places a
        worker's share in it (see :class:`ArrivalExecutor`).
        """
        executor = ArrivalExecutor(
            self, rate, max_concurrency, duration, step_s, elapsed=elapsed, phase=phase
        )
        self._begin_test()
        self.arrivals = executor
        if self._quitting:
            return  # told to quit while test_start's listeners ran: nothing is scheduled
        self.state = STATE_RUNNING
        self._ramp_task = self._spawn(executor.run())

    def _begin_test(self) -> None:
        self._stop_task = None
        self.environment.stats.clear_all()
        # Requests go straight to the statistics (an open model wraps this once it starts).
        self.environment.events.request.sink = self.environment.stats.record
        self.exceptions = ExceptionLog()
        self.cpu_warning_emitted = False
        if self.environment.host:
            for user_class in self.user_classes:
                user_class.host = self.environment.host
        self.environment.events.test_start.fire(environment=self.environment)

    async def _ramp(self, target: int, spawn_rate: float) -> None:
        logger.info("Ramping to %d users at a rate of %.2f per second", target, spawn_rate)
        for count, pause in ramp_batches(self.user_count, target, spawn_rate):
            if count > self.user_count:
                how_many = count - self.user_count
                assert self._sequence is not None
                first = self._next_index
                classes = [self._sequence[index] for index in range(first, first + how_many)]
                await self._spread(classes, how_many / spawn_rate, last=count == target)
            else:
                await self._stop_users(list(self._users.values())[count:])
                if pause:
                    await asyncio.sleep(pause)
        counts = dict(sorted(self.user_classes_count.items()))
        logger.info("All users spawned: %s (%d total users)", json.dumps(counts), self.user_count)
        self.environment.events.spawning_complete.fire(user_count=self.user_count)

    async def _spread(self, classes: Sequence[type[User]], seconds: float, *, last: bool) -> None:
        """Add users of ``classes`` evenly over ``seconds``, in slices every 10 ms or so.

        Users started in the same instant stay in step (their waits end together), so a
        large batch added at once would hit the target in bursts for the rest of the
        run. Up to :data:`_SPAWN_AT_ONCE` users start at once, as in Locust.
        """
        loop = asyncio.get_running_loop()
        how_many = len(classes)
        slices = 1
        if how_many > _SPAWN_AT_ONCE:
            slices = max(1, min(how_many, round(seconds / _SPAWN_SLICE_SECONDS)))
        began = loop.time()
        added = 0
        for index in range(1, slices + 1):
            upto = how_many * index // slices
            await self._add_users(classes[added:upto])
            added = upto
            settle()  # the new users are long-lived: keep them out of the collector's way
            if index < slices or not last:
                await asyncio.sleep(max(0.0, began + seconds * index / slices - loop.time()))

    async def _add_users(self, classes: Sequence[type[User]]) -> None:
        for user_class in classes:
            if _has_own_init(user_class):
                # Synchronous user code, as in Locust's spawning greenlet: a time.sleep
                # in it holds this ramp back, not the users already running.
                user = await call_sync(self._create_user, user_class)
            else:
                user = self._create_user(user_class)
            self._next_index += 1
            self._adopt(user, user._run())

    def _create_user(self, user_class: type[User]) -> User:
        user = user_class(self.environment)  # StopTest here ends the run (see _on_done)
        if not hasattr(user, "environment"):
            raise UsageError(
                f"Attribute 'environment' is missing on user {user_class.__name__}. "
                "Perhaps you defined your own __init__ and forgot to call the base constructor?"
            )
        return user

    def _adopt(self, user: User, body: Coroutine[Any, Any, None]) -> None:
        """Run ``body`` as ``user``'s task, counted among the live users until it ends."""
        key = id(user)
        self._users[key] = user
        task = user._task = asyncio.get_running_loop().create_task(self._drive(user, body))
        # Removed when its task ends, even if it is cancelled before it ever ran.
        task.add_done_callback(functools.partial(self._forget, key, body))

    def _forget(self, key: int, body: Coroutine[Any, Any, None], task: asyncio.Task[None]) -> None:
        self._users.pop(key, None)
        body.close()  # a user cancelled before it ran never awaited its body: no warning

    async def _drive(self, user: User, body: Coroutine[Any, Any, None]) -> None:
        try:
            await body
        except asyncio.CancelledError:
            pass
        except BlockingCallInterrupted as exc:  # it held the loop when the run had to end
            logger.error("%s\n%s", exc, "".join(traceback.format_exception(exc)).rstrip())
            self.environment.events.user_error.fire(
                user_instance=user, exception=exc, tb=exc.__traceback__
            )
        except Exception:
            # on_start failures were logged and reported by the user itself; anything
            # else escaped catch_exceptions=False or a broken on_stop.
            if user._taskset_instance is not None and not self.environment.catch_exceptions:
                self.unhandled_errors += 1
                logger.error("Unhandled exception in user:\n%s", traceback.format_exc())

    def _on_spawning_complete(self, user_count: int, **kwargs: Any) -> None:
        self.state = STATE_RUNNING
        if self.environment.reset_stats:
            logger.info("Resetting stats\n")
            self.environment.stats.reset_all()

    # -- stopping -------------------------------------------------------------------

    async def _stop_users(self, users: list[User]) -> None:
        """Stop ``users`` (the newest first), honouring ``stop_timeout``."""
        users = list(reversed(users))
        if self._sequence is not None:
            self._next_index = max(0, self._next_index - len(users))
        tasks = [u._task for u in users if u._task is not None and not u._task.done()]
        timeout = self.environment.stop_timeout
        if timeout > 0:
            for user in users:
                _stop(user, force=False)
            _, pending = await asyncio.wait(tasks, timeout=timeout) if tasks else (set(), set())
            if pending:
                logger.info(
                    "Not all users finished their tasks & terminated in %s seconds. "
                    "Stopping them...",
                    timeout,
                )
        for user in users:
            _stop(user, force=True)
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=_ON_STOP_GRACE_SECONDS)
            if stuck:
                logger.warning("%d users did not finish on_stop in time", len(stuck))
        # What they left behind must be collectable. Only now: a collection that walks
        # every user while their last requests are in flight would delay those responses.
        unsettle()

    def stop(self) -> None:
        """Stop every user (fires ``test_stopping`` and ``test_stop``); returns at once."""
        self._spawn(self.stop_async())

    async def stop_async(self) -> None:
        """Stop every user and wait until they are gone (however many callers ask)."""
        if self.state == STATE_STOPPED:
            return
        if self._stop_task is None:
            self._stop_task = asyncio.get_running_loop().create_task(self._stop_test())
        # Shielded: a caller being cancelled must not cancel the stop others wait for.
        await asyncio.shield(self._stop_task)

    async def _stop_test(self) -> None:
        events = self.environment.events
        # Listeners run as synchronous user code: they may wait (kill a greenlet, sleep).
        await call_sync(events.test_stopping.fire, environment=self.environment)
        for task in (self._ramp_task, self._shape_task):
            if task is not None:
                task.cancel()
        self.state = STATE_STOPPING
        self.final_user_count = self.user_count
        await self._stop_all_users()
        self.state = STATE_STOPPED
        await call_sync(events.test_stop.fire, environment=self.environment)

    async def _stop_all_users(self) -> None:
        await self._stop_users(list(self._users.values()))

    def hurry(self) -> None:
        """Cancel every user again, cutting short the ``on_stop`` handlers of a stop."""
        for user in list(self._users.values()):
            _stop(user, force=True)

    def quit(self) -> None:
        """Stop the test and end the run; returns at once."""
        self._spawn(self.quit_async())

    async def quit_async(self) -> None:
        """Stop the test and end the run (ended even when stopping failed); a second
        caller waits for the first."""
        if self._quitting:
            await self.wait_until_quit()
            return
        self._quitting = True
        try:
            await self._wind_down()
        finally:
            self._quit().set()

    async def _wind_down(self) -> None:
        """What quitting does before the run ends: stop the test."""
        await self.stop_async()

    async def wait_until_quit(self) -> None:
        """Return once :meth:`quit` has finished."""
        await self._quit().wait()

    def _quit(self) -> asyncio.Event:
        if self._quit_event is None:
            self._quit_event = asyncio.Event()
        return self._quit_event

    @property
    def greenlet(self) -> RunnerGreenlet:
        """What Locust's library use joins to wait for the end: ``runner.greenlet.join()``."""
        return RunnerGreenlet(self)

    # -- shapes ---------------------------------------------------------------------

    def start_shape(self) -> None:
        """Let the environment's shape drive the user count, ticking about once a second."""
        if self._shape_task is not None and not self._shape_task.done():
            logger.info("There is an ongoing shape test running. Editing is disabled")
            return
        logger.info("Shape test starting.")
        self.state = STATE_INIT
        shape = self.environment.shape_class
        assert shape is not None
        shape.reset_time()
        self._shape_task = self._spawn(self._shape_loop())

    async def _shape_loop(self) -> None:
        shape = self.environment.shape_class
        assert shape is not None
        logger.info("Shape worker starting")
        last: Any = None
        loop = asyncio.get_running_loop()
        while self.state in (STATE_INIT, STATE_SPAWNING, STATE_RUNNING):
            started = loop.time()
            new = shape.tick()
            if new is None:
                logger.info("Shape test stopping")
                logger.info("Shape test completed, shutting down")
                self.quit()  # its own task: stopping cancels this shape loop
                return
            if not (isinstance(new, tuple) and len(new) in (2, 3)):
                raise UsageError(
                    f"{type(shape).__name__}.tick() returned {new!r}: return "
                    "(user_count, spawn_rate), (user_count, spawn_rate, user_classes) or None"
                )
            if new != last:
                user_count, spawn_rate, *rest = new
                logger.info(
                    "Shape test updating to %d users at %.2f spawn rate", user_count, spawn_rate
                )
                # In a greenlet: the first start fires test_start, whose listeners may wait.
                await call_sync(
                    self.start, user_count, spawn_rate, user_classes=rest[0] if rest else None
                )
                last = new
            await asyncio.sleep(max(0.0, 1.0 - (loop.time() - started)))

    # -- exceptions and messages -------------------------------------------------------

    def _on_user_error(
        self, user_instance: Any, exception: BaseException, tb: TracebackType | None, **kwargs: Any
    ) -> None:
        self.log_exception("local", str(exception), "".join(traceback.format_tb(tb)))

    def log_exception(self, node_id: str, msg: str, formatted_tb: str) -> None:
        """Count an exception from user code, grouped by traceback."""
        self.exceptions.record(node_id, msg, formatted_tb)

    def register_message(
        self, msg_type: str, listener: Callable[..., Any], concurrent: bool = False
    ) -> None:
        """Handle custom messages of ``msg_type``: ``listener(environment=..., msg=...)``."""
        if msg_type in self.custom_messages:
            raise UsageError(
                f"Tried to register listener method for {msg_type}, but it already had a listener!"
            )
        self.custom_messages[msg_type] = (listener, concurrent)

    def send_message(self, msg_type: str, data: Any = None, client_id: str | None = None) -> None:
        """Deliver a custom message to the local handler at once."""
        handler = self._handler(msg_type)
        if handler is not None:
            handler[0](environment=self.environment, msg=Message(msg_type, data, self.client_id))

    def _handler(self, msg_type: str) -> tuple[Callable[..., Any], bool] | None:
        """The listener registered for ``msg_type`` and whether it runs concurrently."""
        handler = self.custom_messages.get(msg_type)
        if handler is None:
            logger.warning("Unknown message type received: %s", msg_type)
        return handler

    def _deliver(self, message: Message) -> None:
        """Call the handler registered for a message from another node (soon, if it is
        concurrent). A failing handler is logged; it does not stop the messages that follow.
        """
        handler = self._handler(message.type)
        if handler is None:
            return
        listener, concurrent = handler

        def call() -> None:
            try:
                listener(environment=self.environment, msg=message)
            except Exception:
                logger.exception("Error in the handler of message %r", message.type)

        if concurrent:
            asyncio.get_running_loop().call_soon(call)
        else:
            call()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coroutine)
        # Keep a reference: the loop only holds weak ones.
        self._background.add(task)
        task.add_done_callback(self._on_done)
        return task

    def _on_done(self, task: asyncio.Task[None]) -> None:
        """A ramp, shape or stop ended: an error in it ends the run, loudly."""
        self._background.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        assert error is not None
        if isinstance(error, StopTest):
            # Locust's rule: StopTest from the runner's side (a user constructor, a
            # shape) stops the whole test. A missing host is the usual case.
            logger.error("%s", error)
            logger.info("Stopping Locust...")
        else:
            logger.error(
                "The test cannot go on: %s",
                "".join(traceback.format_exception(error)).rstrip(),
            )
        # Counted with the user exceptions, so the run exits with --exit-code-on-error.
        self.log_exception("local", str(error), "".join(traceback.format_tb(error.__traceback__)))
        if not self._quitting:  # a failure of the quit itself must not start another
            self.quit()
