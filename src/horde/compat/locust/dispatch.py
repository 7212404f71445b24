"""``locust.dispatch``: which worker runs how many users of each class, ramp step by ramp
step.

:class:`UsersDispatcher` has Locust's constructor, methods and pacing, and places users
with horde's own logic (:class:`~horde.distributed.Placement`, what horde's master
uses). The counts can differ from Locust's in the order weighted classes are picked
(horde keeps every prefix within one user of each class's share), and after a ramp down
and up again (horde gives back the same users to the same workers). horde's runners
place users themselves: an ``Environment`` takes no ``dispatcher_class``.

Example:
    >>> class A: weight, fixed_count = 3, 0
    >>> class B: weight, fixed_count = 1, 0
    >>> class Worker:
    ...     def __init__(self, id):
    ...         self.id = id
    >>> dispatcher = UsersDispatcher([Worker("w_1"), Worker("w_2")], [A, B])
    >>> dispatcher.new_dispatch(target_user_count=4, spawn_rate=4)
    >>> list(dispatcher)
    [{'w_1': {'A': 1, 'B': 1}, 'w_2': {'A': 2, 'B': 0}}]
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import attrgetter
from typing import Any, Protocol

from horde.distributed import Placement
from horde.engine import UserSequence, ramp_batches
from horde.runtime import sleep as cooperative_sleep

__all__ = ["UsersDispatcher"]

Distribution = dict[str, dict[str, int]]


class Node(Protocol):
    """A worker as the dispatcher sees it: its client id (a ``WorkerNode``)."""

    @property
    def id(self) -> str:
        """The worker's client id, ``<host>_<hex>``."""


class UsersDispatcher(Iterator[Distribution]):
    """Iterates over the users each worker should run, one ramp step at a time.

    After :meth:`new_dispatch`, each ``next()`` returns every worker's absolute count per
    class name (all classes, zeros included). Steps add or remove
    ``max(1, floor(spawn_rate))`` users, and ``next()`` waits out the rest of
    ``step / spawn_rate`` seconds since the previous step began, except after the last
    step; then the iteration stops, until the next :meth:`new_dispatch`.

    Args:
        worker_nodes: The workers (anything with an ``id``, such as a ``WorkerNode``).
        user_classes: The user classes; each named once.
        sleep: How to wait between steps (cooperative inside a test, as ``gevent.sleep``).
        clock: A monotonic clock in seconds, for the time a step took.

    Raises:
        ValueError: If there is no worker or no user class, a class is given twice, or
            no class has a weight or a fixed count above 0.
    """

    def __init__(
        self,
        worker_nodes: Sequence[Node],
        user_classes: Sequence[type[Any]],
        *,
        sleep: Callable[[float], None] = cooperative_sleep,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if not user_classes:
            raise ValueError("UsersDispatcher needs at least one user class")
        if len(set(user_classes)) != len(user_classes):
            raise ValueError("UsersDispatcher was given the same user class twice")
        if not worker_nodes:
            raise ValueError("UsersDispatcher needs at least one worker node")
        self._sleep = sleep
        self._clock = clock
        self._worker_nodes = list(worker_nodes)
        self._user_classes = sorted(user_classes, key=attrgetter("__name__"))
        self._placement = Placement(UserSequence(self._user_classes), self._worker_ids())
        self._target_user_count = 0
        self._steps: Iterator[Distribution] | None = None
        self._rebalance = False
        self._dispatch_in_progress = False
        self._dispatch_iteration_durations: list[float] = []

    def _worker_ids(self) -> list[str]:
        return [node.id for node in self._worker_nodes]

    @property
    def dispatch_in_progress(self) -> bool:
        """Whether a ramp has steps left."""
        return self._dispatch_in_progress

    @property
    def dispatch_iteration_durations(self) -> list[float]:
        """Seconds each step of the current ramp took, its caller's work included."""
        return self._dispatch_iteration_durations

    def get_current_user_count(self) -> int:
        """Users placed so far."""
        return self._placement.count

    def new_dispatch(
        self,
        target_user_count: int,
        spawn_rate: float,
        user_classes: Iterable[type[Any]] | None = None,
    ) -> None:
        """Start a ramp from the users placed now to ``target_user_count``.

        Args:
            target_user_count: Users at the end of the ramp.
            spawn_rate: Users added or removed per second.
            user_classes: The classes to run from now on (a shape's); horde places the
                current users anew over them, as its master does.

        Raises:
            ValueError: If the count is negative, or the rate is not a positive number.
        """
        if target_user_count < 0:
            raise ValueError(f"target user count must be 0 or more, got {target_user_count}")
        if not math.isfinite(spawn_rate) or spawn_rate <= 0:
            raise ValueError(f"spawn rate must be a positive number, got {spawn_rate}")
        if user_classes is not None:
            classes = sorted(user_classes, key=attrgetter("__name__"))
            if classes != self._user_classes:
                self._user_classes = classes
                self._replace(Placement(UserSequence(classes), self._worker_ids()))
        limit = self._placement.sequence.limit
        if limit is not None:  # only fixed_count classes: no more users than their sum
            target_user_count = min(target_user_count, limit)
        self._target_user_count = target_user_count
        self._dispatch_iteration_durations.clear()
        self._steps = self._dispatch(target_user_count, spawn_rate)

    def _replace(self, placement: Placement) -> None:
        """Place the users placed so far anew with ``placement``."""
        placement.resize(self._placement.count)
        self._placement = placement

    def _dispatch(self, target: int, spawn_rate: float) -> Iterator[Distribution]:
        if not self._worker_nodes:  # all removed: nowhere to place anyone
            yield {}
            return
        self._dispatch_in_progress = True
        try:
            if self._rebalance:
                self._rebalance = False
                yield self._placement.targets()
                if self._placement.count == target:
                    return
            if self._placement.count == target:
                yield self._placement.targets()
                return
            yield from self._ramp(target, spawn_rate)
        finally:
            self._dispatch_in_progress = False

    def _ramp(self, target: int, spawn_rate: float) -> Iterator[Distribution]:
        for count, pause in ramp_batches(self._placement.count, target, spawn_rate):
            began = self._clock()
            self._placement.resize(count)
            yield self._placement.targets()
            if self._rebalance:  # a worker came or went while the step was sent
                self._rebalance = False
                yield self._placement.targets()
            took = self._clock() - began
            self._dispatch_iteration_durations.append(took)
            if pause:
                self._sleep(max(0.0, pause - took))

    def __next__(self) -> Distribution:
        """The next step's users per worker and class.

        Raises:
            StopIteration: When the ramp is over.
            RuntimeError: If :meth:`new_dispatch` was never called.
        """
        if self._steps is None:
            raise RuntimeError("call new_dispatch() before iterating over a UsersDispatcher")
        return next(self._steps)

    def add_worker(self, worker_node: Node) -> None:
        """Add a worker; the next step spreads the users over every worker anew."""
        self._worker_nodes.append(worker_node)
        self._rebalance_over(self._worker_nodes)

    def remove_worker(self, worker_node: Node) -> None:
        """Remove a worker (by id); the next step gives its users to the others.

        With no worker left, nothing is placed until one is added.
        """
        self._worker_nodes = [node for node in self._worker_nodes if node.id != worker_node.id]
        if self._worker_nodes:
            self._rebalance_over(self._worker_nodes)

    def _rebalance_over(self, worker_nodes: Sequence[Node]) -> None:
        self._replace(Placement(self._placement.sequence, [node.id for node in worker_nodes]))
        self._rebalance = True
