"""The open workload model: iterations start on a schedule, whatever the target does.

In Locust's closed model a slow target slows the load down: each user waits for its
response before it sends the next request, so the requests a stall would have delayed
are never sent and never measured (coordinated omission). Here a scheduler releases
iterations at the arrival rate; each runs one task of an idle user from a pool that
grows up to ``max_concurrency`` users. When every user is busy, the iteration waits in
line and starts late; its requests are then recorded twice, as measured and corrected
(their latency plus how late the iteration started), so the stall's full effect shows.
Iterations still in line at the end could not start, and are counted as such.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from horde.engine._dispatch import weighted_cycle
from horde.engine._rate import ArrivalRate, RatePlateau, Schedule
from horde.engine._states import STATE_RUNNING
from horde.event import RequestHook, RequestSink
from horde.exceptions import (
    InterruptTaskSet,
    RescheduleTask,
    RescheduleTaskImmediately,
    StopTest,
    StopUser,
)
from horde.runtime import settle
from horde.user import User
from horde.user._taskset import (
    LOCUST_STATE_RUNNING,
    LOCUST_STATE_STOPPING,
    LOCUST_STATE_WAITING,
    DefaultTaskSet,
)

if TYPE_CHECKING:
    from horde.engine._runner import LocalRunner

__all__ = [
    "DEFAULT_MAX_CONCURRENCY",
    "ArrivalCounts",
    "ArrivalExecutor",
    "SharedArrivals",
]

logger = logging.getLogger("horde.runners")

#: The cap on users in the open model's pool when ``--max-concurrency`` is not given.
DEFAULT_MAX_CONCURRENCY = 1000
#: An iteration that starts this much after its scheduled time counts as late.
LATE_AFTER_S = 0.005

#: Iterations released in one go before the scheduler lets the loop run (a generator that
#: fell behind catches up without starving its users).
_RELEASE_BURST = 1000


@dataclass(slots=True)
class ArrivalCounts:
    """What happened to the scheduled iterations.

    Attributes:
        scheduled: Iterations the schedule released.
        started: Iterations a user started.
        finished: Started iterations that ran to their end (the others were cut short
            when the run ended: their requests are not in the figures).
        late: Iterations started more than :data:`LATE_AFTER_S` after their schedule
            (every user was busy, or the generator itself lagged).
        max_late_s: The latest start, in seconds after the schedule.
        peak_concurrency: The most iterations running at once.
        users: Users created for the pool.
        start_failures: Pool users whose ``on_start`` failed: they served no iteration.
        max_concurrency: The cap on the pool.
        lost: Iterations due on workers that went missing, from their last report on:
            they are in no count above, and their requests in no figure (an estimate).
    """

    scheduled: int = 0
    started: int = 0
    finished: int = 0
    late: int = 0
    max_late_s: float = 0.0
    peak_concurrency: int = 0
    users: int = 0
    start_failures: int = 0
    max_concurrency: int = 0
    lost: int = 0

    @property
    def not_started(self) -> int:
        """Iterations still waiting for a user when the run ended."""
        return self.scheduled - self.started

    @property
    def cut_short(self) -> int:
        """Started iterations that had not finished when the run ended (or have not yet)."""
        return self.started - self.finished

    def to_dict(self) -> dict[str, Any]:
        """The counts as JSON-ready numbers."""
        return {
            "scheduled": self.scheduled,
            "started": self.started,
            "not_started": self.not_started,
            "finished": self.finished,
            "cut_short": self.cut_short,
            "late": self.late,
            "max_late_s": round(self.max_late_s, 4),
            "peak_concurrency": self.peak_concurrency,
            "users": self.users,
            "start_failures": self.start_failures,
            "max_concurrency": self.max_concurrency,
            "lost": self.lost,
        }


@dataclass(slots=True)
class SharedArrivals:
    """An open-model run shared among workers, seen from the master.

    Each worker runs a share of the rate; the master keeps the whole schedule's plateaus
    and adds up the counts the workers report.

    Args:
        rate: The whole arrival rate.
        max_concurrency: The cap on users, over every worker.
        duration: The run's length in seconds, for a ramp.
        step_s: The plateaus' length, for a stepped ramp.
        began: Epoch seconds when the schedule started.
    """

    rate: ArrivalRate
    max_concurrency: int
    duration: float | None
    step_s: float | None
    began: float
    shares: dict[str, ArrivalCounts] = field(default_factory=dict)
    """The latest counts of each worker, by id (kept after it quits)."""
    reported: dict[str, float] = field(default_factory=dict)
    """When each worker's latest counts came (epoch seconds); until then, its first share."""
    fractions: dict[str, float] = field(default_factory=dict)
    """Each worker's part of the rate, as last shared."""
    losses: dict[str, float] = field(default_factory=dict)
    """Iterations due on each worker that went missing, after its latest counts."""
    cap_in_effect: int = 0
    """The users the workers may run at once, as last shared: more than
    ``max_concurrency`` when it is below the workers (each runs one at least)."""

    def share(self, worker_id: str, workers: int) -> None:
        """Note that a worker runs one of ``workers`` equal parts of the rate from now on."""
        self.fractions[worker_id] = 1 / workers
        self.reported.setdefault(worker_id, time.time())  # its share starts now

    def note(self, worker_id: str, counts: ArrivalCounts) -> None:
        """Keep a worker's latest counts."""
        self.shares[worker_id] = counts
        self.reported[worker_id] = time.time()
        self.losses.pop(worker_id, None)  # back after all: its counts hold them

    def lose(self, worker_id: str) -> float:
        """Count the iterations of a worker that went missing: its part of those due since
        its latest counts. They are neither scheduled nor measured anywhere; until the
        rate is shared again, none of the other workers runs them. Returns that count."""
        schedule = Schedule(self.rate, self.duration, self.step_s)

        def due_by(moment: float) -> float:
            elapsed = max(moment - self.began, 0.0)
            return schedule.due_by(min(elapsed, self.duration or elapsed))

        since = self.reported.get(worker_id, self.began)
        lost = (due_by(time.time()) - due_by(since)) * self.fractions.get(worker_id, 1.0)
        self.losses[worker_id] = lost
        return lost

    @property
    def counts(self) -> ArrivalCounts:
        """The workers' counts added up (the latest start and the peaks are upper bounds)."""
        total = ArrivalCounts(max_concurrency=max(self.max_concurrency, self.cap_in_effect))
        for share in self.shares.values():
            total.scheduled += share.scheduled
            total.started += share.started
            total.finished += share.finished
            total.late += share.late
            total.max_late_s = max(total.max_late_s, share.max_late_s)
            total.peak_concurrency += share.peak_concurrency
            total.users += share.users
            total.start_failures += share.start_failures
        total.lost = round(sum(self.losses.values()))
        return total

    @property
    def plateaus(self) -> list[RatePlateau]:
        """The schedule's plateaus begun so far: one for a constant rate, one per step of
        a stepped ramp, none for a linear ramp."""
        return self.rate.plateaus(self.duration, self.step_s, self.began, time.time())


class _LateRequestHook(RequestHook):
    """A pool user's client's ``request`` hook: records its requests as measured and as
    corrected for the lateness of the user's iteration.

    It shares the environment hook's listeners (so listeners added later are seen too)
    but records straight to the statistics, not through the environment's sink, which
    would count the corrected latency a second time. Every request of the client counts,
    including those made from tasks or greenlets the user spawned.

    Attributes:
        lateness_ms: How late the user's current iteration started.
    """

    __slots__ = ("_corrected", "_record", "lateness_ms")

    def __init__(
        self,
        shared: RequestHook,
        record: RequestSink,
        corrected: Callable[[str, str, float], None],
    ) -> None:
        super().__init__()
        self._handlers = shared._handlers
        self._on_error = shared._on_error
        self._record = record
        self._corrected = corrected
        self.lateness_ms = 0.0
        self.sink = self._sink

    def _sink(
        self,
        request_type: str,
        name: str,
        response_time: float | None,
        response_length: int,
        exception: BaseException | str | None,
    ) -> None:
        self._record(request_type, name, response_time, response_length, exception)
        if response_time is not None:
            self._corrected(request_type, name, response_time + self.lateness_ms)


class ArrivalExecutor:
    """Releases iterations at the arrival rate and runs each on an idle user of its class.

    Args:
        runner: The runner whose users, statistics and events it uses.
        rate: The arrival rate.
        max_concurrency: The most users (so iterations) running at once.
        duration: The run's length in seconds: no iteration is due after it, and a ramp
            climbs over it. None runs at ``rate.start`` until stopped.
        step_s: Climb a ramp in plateaus of this many seconds instead of linearly.
        elapsed: Seconds of the schedule already past when it starts here (a worker joining
            a shared run): the ramp goes on from there, with no burst for the past.
        phase: Where this share's iterations fall between those of the whole schedule:
            worker ``i`` of ``n`` runs the whole schedule's iterations ``i``, ``i + n``,
            ``i + 2n`` ... with ``phase = i / n``, so the workers' starts interleave evenly
            and add up to the whole schedule exactly.
    """

    def __init__(
        self,
        runner: LocalRunner,
        rate: ArrivalRate,
        max_concurrency: int,
        duration: float | None = None,
        step_s: float | None = None,
        *,
        elapsed: float = 0.0,
        phase: float = 0.0,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max concurrency must be 1 or more, got {max_concurrency}")
        self.runner = runner
        self.rate = rate
        self.duration = duration
        self.step_s = step_s
        self.elapsed = elapsed
        self.counts = ArrivalCounts(max_concurrency=max_concurrency)
        self.began: float | None = None
        """Epoch seconds when the schedule started (``elapsed`` before :meth:`run`)."""
        self._schedule = Schedule(rate, duration, step_s)
        self._shift = -phase
        """Iterations the release index is ahead of ``_schedule``: index ``k`` is due at
        ``_schedule.time_of(k - _shift)`` (the phase, and where a reshare left it)."""
        self._index = 0
        """The next iteration to release."""
        self._origin: float | None = None
        """Loop time at the schedule's start."""
        self._mix = _iteration_mix(runner.user_classes)
        self._queues: dict[type[User], asyncio.Queue[float]] = {}
        self._idle: dict[type[User], int] = {}
        self._live = 0
        self._running = 0
        self._lateness: dict[asyncio.Task[Any] | None, float] = {}
        """How late each pool user's current iteration started (ms), by its task."""
        self._waker: asyncio.Future[None] | None = None
        """What the scheduler sleeps on until the next iteration is due."""

    async def run(self) -> None:
        """Release iterations until cancelled (the runner's stop does that)."""
        loop = asyncio.get_running_loop()
        origin = self._origin = loop.time() - self.elapsed
        self.began = time.time() - self.elapsed
        logger.info(
            "Open model: %s iterations/s, at most %d at once",
            _describe(self.rate),
            self.counts.max_concurrency,
        )
        _warn_of_endless_chains(self.runner.user_classes)
        self._record_corrected()
        # From the next due: a worker joining a shared run late leaves the past ones to
        # the others, which ran them until they were shared anew.
        position = self._shift + self._schedule.due_by(self.elapsed)
        self._index = max(0, math.ceil(position - 1e-9))
        burst = 0
        while True:
            due_s = self._schedule.time_of(self._index - self._shift)
            if self.duration is not None and due_s >= self.duration:
                break  # nothing more is due before the run ends
            wait = origin + due_s - loop.time()
            if wait > 0 or burst >= _RELEASE_BURST:
                burst = 0
                await self._nap(wait)
                continue  # a reshare may have moved the next one meanwhile
            self._release(next(self._mix), origin + due_s)
            self._index += 1
            burst += 1
        await asyncio.Event().wait()  # the schedule is spent; the runner ends the run

    async def _nap(self, seconds: float) -> None:
        """Sleep until the next iteration is due, or until a reshare moves it."""
        loop = asyncio.get_running_loop()
        waker = self._waker = loop.create_future()
        timer = loop.call_later(max(seconds, 0.0), _wake, waker)
        try:
            await waker
        finally:
            timer.cancel()
            self._waker = None

    def reshare(self, rate: ArrivalRate, max_concurrency: int, phase: float = 0.0) -> None:
        """Run another share of a shared rate from now on (workers joined or left).

        The next release is this share's first iteration due from the one this share
        would have released next (or from now, when that is later): the others' shares,
        cut anew, cover the rest. Iterations it was behind on stay due: none is dropped.
        """
        schedule = Schedule(rate, self.duration, self.step_s)
        if self._origin is None:
            self._shift = -phase
        else:
            now_s = asyncio.get_running_loop().time() - self._origin
            next_s = min(now_s, self._schedule.time_of(self._index - self._shift))
            first = max(0, math.ceil(schedule.due_by(next_s) - phase - 1e-9))
            self._shift = self._index - first - phase
        self.rate, self._schedule = rate, schedule
        self.counts.max_concurrency = max_concurrency
        if self._waker is not None:
            _wake(self._waker)  # the next one may now be due sooner

    @property
    def plateaus(self) -> list[RatePlateau]:
        """The plateaus begun so far: one for a constant rate, one per step of a stepped
        ramp (``step_s``), none for a linear ramp or before the start."""
        if self.began is None:
            return []
        return self.rate.plateaus(self.duration, self.step_s, self.began, time.time())

    def _record_corrected(self) -> None:
        """Also record the requests a pool user reports on the environment's ``request``
        event (a custom client's ``events.request.fire``) corrected for lateness.

        The user is known by the task it runs in (its sync code runs inside that task).
        Requests of the user's own client go through its :class:`_LateRequestHook`
        instead, which also sees those made from tasks the user spawned.
        """
        stats = self.runner.environment.stats
        record, corrected = stats.record, stats.record_corrected
        lateness = self._lateness
        current_task = asyncio.current_task

        def sink(
            request_type: str,
            name: str,
            response_time: float | None,
            response_length: int,
            exception: BaseException | str | None,
        ) -> None:
            record(request_type, name, response_time, response_length, exception)
            if response_time is None:
                return
            try:
                task = current_task()
            except RuntimeError:  # fired from a thread: no user's task to tell
                return
            late_ms = lateness.get(task)
            if late_ms is not None:
                corrected(request_type, name, response_time + late_ms)

        self.runner.environment.events.request.sink = sink  # the runner's start resets it

    def _release(self, user_class: type[User], due: float) -> None:
        self.counts.scheduled += 1
        queue = self._queues.get(user_class)
        if queue is None:
            queue = self._queues[user_class] = asyncio.Queue()
            self._idle[user_class] = 0
        queue.put_nowait(due)
        if self._idle[user_class] < queue.qsize() and self._live < self.counts.max_concurrency:
            self._add_user(user_class, queue)

    def _add_user(self, user_class: type[User], queue: asyncio.Queue[float]) -> None:
        user = self.runner._create_user(user_class)
        self.counts.users += 1
        self._live += 1
        hook = None
        client = getattr(user, "client", None)
        if isinstance(getattr(client, "request_event", None), RequestHook):
            stats = self.runner.environment.stats
            hook = _LateRequestHook(
                self.runner.environment.events.request, stats.record, stats.record_corrected
            )
            client.request_event = hook  # type: ignore[union-attr]
        self.runner._adopt(user, self._work(user, queue, hook))
        settle()  # a long-lived user: keep it out of the collector's way

    async def _work(
        self, user: User, queue: asyncio.Queue[float], hook: _LateRequestHook | None
    ) -> None:
        """The user's life: ``on_start``, iterations from its class's line, ``on_stop``."""
        task = asyncio.current_task()
        assert task is not None
        self._lateness[task] = 0.0  # on_start's requests: no lateness to add
        taskset = user._taskset_instance = DefaultTaskSet(user)
        user._state = LOCUST_STATE_RUNNING
        started = False
        try:
            try:
                try:
                    await user._start()
                except (StopUser, StopTest):
                    raise  # it stopped itself: no failure
                except Exception:
                    self.counts.start_failures += 1
                    raise
                started = True
                await self._serve(taskset, queue, task, hook)
            except (StopUser, StopTest):
                pass
            except asyncio.CancelledError:
                await user._stop_hook()
                raise
            await user._stop_hook()
        finally:
            user._release()
            del self._lateness[task]
            self._live -= 1
            if started:
                # It left the pool after serving: another takes its place now. One whose
                # on_start failed is not replaced at once (that would spin): the next
                # iteration released tries a new one.
                self._replace(type(user), queue)

    def _replace(self, user_class: type[User], queue: asyncio.Queue[float]) -> None:
        """Start a user for iterations left waiting by one that left the pool."""
        if (
            self._idle[user_class] < queue.qsize()
            and self._live < self.counts.max_concurrency
            and self.runner.state == STATE_RUNNING
        ):
            self._add_user(user_class, queue)

    async def _serve(
        self,
        taskset: DefaultTaskSet,
        queue: asyncio.Queue[float],
        task: asyncio.Task[Any],
        hook: _LateRequestHook | None,
    ) -> None:
        """Run iterations as they come until the user is asked to stop."""
        user = taskset.user
        user_class = type(user)
        loop = asyncio.get_running_loop()
        while user._state != LOCUST_STATE_STOPPING:
            user._state = LOCUST_STATE_WAITING
            self._idle[user_class] += 1
            try:
                due = await queue.get()
            finally:
                self._idle[user_class] -= 1
            user._state = LOCUST_STATE_RUNNING
            late_s = loop.time() - due
            self._begin(late_s)
            late_ms = self._lateness[task] = max(late_s, 0.0) * 1000.0
            if hook is not None:
                hook.lateness_ms = late_ms
            try:
                await self._iterate(taskset)
            finally:
                self._running -= 1

    def _begin(self, late_s: float) -> None:
        counts = self.counts
        counts.started += 1
        self._running += 1
        counts.peak_concurrency = max(counts.peak_concurrency, self._running)
        if late_s > LATE_AFTER_S:
            counts.late += 1
            counts.max_late_s = max(counts.max_late_s, late_s)

    async def _iterate(self, taskset: DefaultTaskSet) -> None:
        """Run one task of the user, as its task loop would, without the wait after it."""
        taskset.user._caller.suspended = False
        try:
            await taskset._execute(taskset.get_next_task())
        except (RescheduleTask, RescheduleTaskImmediately, InterruptTaskSet):
            pass
        except (StopUser, StopTest):
            self.counts.finished += 1  # the user ends here, and so does its iteration
            raise
        except asyncio.CancelledError:
            raise  # cut short: counted by what is left unfinished
        except Exception as exc:
            taskset._report_task_error(exc)
        self.counts.finished += 1


def _wake(waker: asyncio.Future[None]) -> None:
    if not waker.done():
        waker.set_result(None)


def _warn_of_endless_chains(user_classes: Sequence[type[User]]) -> None:
    """An iteration that picks a MarkovTaskSet walks its chain until a task interrupts it,
    which chains seldom do: the iterations would pile up behind it."""
    chains = sorted(
        {
            task.__name__
            for cls in user_classes
            for task in cls.tasks
            if getattr(task, "_chained", False)
        }
    )
    if chains:
        logger.warning(
            "In the open model, an iteration that picks %s walks its chain until one of its "
            "tasks calls self.interrupt(): give the chain a task that does, or the "
            "iterations wait behind it",
            ", ".join(chains),
        )


def _iteration_mix(user_classes: Sequence[type[User]]) -> Iterator[type[User]]:
    """The class of each iteration, by weight (a ``fixed_count`` counts as the weight).

    Raises:
        ValueError: no class has a positive weight or fixed count.
    """
    classes = sorted(user_classes, key=lambda cls: cls.__name__)
    shares = {cls: cls.fixed_count if cls.fixed_count > 0 else cls.weight for cls in classes}
    chosen = [cls for cls in classes if shares[cls] > 0]
    if not chosen:
        raise ValueError("There are no users with weight > 0.")
    return weighted_cycle(chosen, [float(shares[cls]) for cls in chosen])


def _describe(rate: ArrivalRate) -> str:
    if rate.ramps:
        return f"{rate.start:g} to {rate.end:g}"
    return f"{rate.start:g}"
