"""MarkovTaskSet: tasks chained by weighted transitions, a Markov chain of user behaviour.

Each task names the tasks that may follow it (``@transition``, ``@transitions``), with
weights. The first task with transitions is where a user starts; after each task, the
next is drawn from the current one's transitions. The chain is checked when the class
is created, so a locustfile with a broken chain fails at import with the reason, not
mid-run; a task no path reaches is only warned about.
"""

from __future__ import annotations

import itertools
import logging
import random
from bisect import bisect
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from horde.exceptions import LocustError
from horde.user._taskset import TaskSet, TaskSetMeta

__all__ = [
    "InvalidTransitionError",
    "MarkovTaskSet",
    "MarkovTaskTagError",
    "NoMarkovTasksError",
    "NonMarkovTaskTransitionError",
    "transition",
    "transitions",
]

logger = logging.getLogger("horde.user.markov_taskset")

F = TypeVar("F", bound=Callable[..., Any])


class NoMarkovTasksError(LocustError):
    """A MarkovTaskSet class has no task with transitions."""


class InvalidTransitionError(LocustError):
    """A transition names no task of its class, or has a weight that is not a count."""


class NonMarkovTaskTransitionError(LocustError):
    """A transition leads to a method that has no transitions of its own."""


class MarkovTaskTagError(LocustError):
    """A task of a MarkovTaskSet is tagged: tag filtering could break the chain."""


def _transitions_of(decorated: Any) -> dict[str, Any]:
    found: dict[str, Any] | None = decorated.__dict__.get("transitions")
    if found is None:
        found = decorated.transitions = {}
    return found


def transition(func_name: str, weight: int = 1) -> Callable[[F], F]:
    """Let the decorated task be followed by ``func_name``, with a weight.

    Example:
        >>> from horde import MarkovTaskSet, transition
        >>> class Browse(MarkovTaskSet):
        ...     @transition("product")
        ...     def index(self):
        ...         self.client.get("/")
        ...     @transition("index", weight=3)
        ...     @transition("product")
        ...     def product(self):
        ...         self.client.get("/products/1")
    """

    if not isinstance(func_name, str):
        raise LocustError(
            "@transition needs the name of the task that may follow, e.g. "
            "@transition('checkout') or @transition('checkout', weight=3)"
        )

    def decorator(decorated: F) -> F:
        _transitions_of(decorated)[func_name] = weight
        return decorated

    return decorator


def transitions(weights: dict[str, int] | list[tuple[str, int] | str]) -> Callable[[F], F]:
    """Let the decorated task be followed by several tasks at once.

    Args:
        weights: ``{name: weight}``, or a list of names (weight 1) and ``(name, weight)``.

    Example:
        >>> from horde import MarkovTaskSet, transitions
        >>> class Shop(MarkovTaskSet):
        ...     @transitions({"checkout": 1, "cart": 3})
        ...     def cart(self):
        ...         self.client.get("/cart")
        ...     @transitions([("cart", 2), "checkout"])
        ...     def checkout(self):
        ...         self.client.post("/checkout")
    """

    if not isinstance(weights, dict | list | tuple):
        raise LocustError(
            f"@transitions takes a dict of names and weights or a list of names, not "
            f"{weights!r}: e.g. @transitions({{'cart': 3, 'home': 1}}) or "
            "@transitions(['cart', ('home', 2)]); for one task, @transition('cart')"
        )

    def decorator(decorated: F) -> F:
        added = (
            weights
            if isinstance(weights, dict)
            else dict(item if isinstance(item, tuple) else (item, 1) for item in weights)
        )
        _transitions_of(decorated).update(added)
        return decorated

    return decorator


def _is_markov_task(value: Any) -> bool:
    return "transitions" in dir(value)


class _Links:
    """Where a task may lead: the targets with a positive weight, and their running sums."""

    __slots__ = ("cumulative", "targets", "total")

    def __init__(self, name: str, weights: dict[str, Any], classname: str) -> None:
        for target, weight in weights.items():
            if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
                raise InvalidTransitionError(
                    f"The transition from {classname}.{name} to {target} has weight "
                    f"{weight!r}: a weight is a whole number, 0 or more"
                )
        kept = {target: weight for target, weight in weights.items() if weight > 0}
        if not kept:
            raise InvalidTransitionError(
                f"Every transition from {classname}.{name} has weight 0, so the chain would "
                "stop there: give one of them a weight of 1 or more"
            )
        self.targets = list(kept)
        self.cumulative = list(itertools.accumulate(kept.values()))
        self.total = self.cumulative[-1]

    def draw(self) -> str:
        """A target at random, by weight."""
        return self.targets[bisect(self.cumulative, random.random() * self.total)]


def _check_chain(markov: dict[str, Any], namespace: dict[str, Any], classname: str) -> None:
    if not markov:
        raise NoMarkovTasksError(
            f"No Markov tasks defined in class {classname}. "
            "Use the @transition(s) decorators to define some."
        )
    for name, func in markov.items():
        if name == "run":
            raise LocustError(
                f"{classname}.run() is used internally by the task set: it may not be "
                "overridden or given transitions"
            )
        if name in ("on_start", "on_stop"):
            logger.warning(
                "%s.%s has transitions: it will run as a step of the chain too, not only on %s",
                classname,
                name,
                name.removeprefix("on_"),
            )
        tags = getattr(func, "locust_tag_set", None)
        if tags is not None:
            raise MarkovTaskTagError(
                "Tags are unsupported for MarkovTaskSet since they can make the markov "
                f"chain invalid. Tags detected on {classname}.{name}: {sorted(tags)}"
            )
        for target in func.transitions:
            if target not in namespace:
                raise InvalidTransitionError(
                    f"Transition to {target} from {name} is invalid since no such element "
                    f"exists on class {classname}"
                )
            if target not in markov:
                raise NonMarkovTaskTransitionError(
                    f"{classname}.{target} cannot be used as a target for a transition since "
                    f"it does not define any transitions of its own. Used as a transition "
                    f"from {name}."
                )


def _warn_unreachable(chains: dict[str, _Links], start: str, classname: str) -> None:
    reached = {start}
    pending = [start]
    while pending:
        for target in chains[pending.pop()].targets:
            if target not in reached:
                reached.add(target)
                pending.append(target)
    unreachable = sorted(set(chains) - reached)
    if unreachable:
        logger.warning(
            "The following markov tasks are unreachable in class %s: %s",
            classname,
            ", ".join(unreachable),
        )


class MarkovTaskSetMeta(TaskSetMeta):
    """Checks the chain of each concrete MarkovTaskSet class when it is created."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]
    ) -> MarkovTaskSetMeta:
        if not namespace.get("abstract"):
            markov = {key: value for key, value in namespace.items() if _is_markov_task(value)}
            _check_chain(markov, namespace, name)
            chains = {key: _Links(key, func.transitions, name) for key, func in markov.items()}
            start = next(iter(markov))
            _warn_unreachable(chains, start, name)
            namespace["abstract"] = False
            namespace["_next"] = start
            namespace["_chains"] = chains
        # No flat task list: the chain, not a weighted draw, picks each task.
        return type.__new__(mcs, name, bases, namespace)


class MarkovTaskSet(TaskSet, metaclass=MarkovTaskSetMeta):
    """A task set whose next task is drawn from the transitions of the current one.

    The first method with transitions is where each user starts. A class marked
    ``abstract = True`` is not checked, for subclassing. Tags are not allowed on its
    tasks, and tag filtering always keeps it.

    Example:
        >>> from horde import HttpUser, MarkovTaskSet, transition, transitions
        >>> class Journey(MarkovTaskSet):
        ...     @transition("browse")
        ...     def home(self):
        ...         self.client.get("/")
        ...     @transitions({"home": 1, "browse": 3})
        ...     def browse(self):
        ...         self.client.get("/products")
        >>> class Shopper(HttpUser):
        ...     tasks = [Journey]
    """

    abstract: ClassVar[bool] = True
    #: Tag filtering keeps the chain whole (its tasks may not be tagged).
    _chained: ClassVar[bool] = True
    #: Each task's links, by its name in the class body (a task made by a factory or
    #: wrapped by a decorator has another ``__name__``).
    _chains: ClassVar[dict[str, _Links]]
    #: The name of the task that runs next: the chain's start, then wherever it leads.
    _next: str

    @property
    def current(self) -> Callable[..., Any]:
        """The task that runs next; set it to one of the chain's tasks to jump there."""
        task: Callable[..., Any] = getattr(self, self._next_name())
        return task

    @current.setter
    def current(self, task: Callable[..., Any]) -> None:
        function = getattr(task, "__func__", task)
        for name in getattr(self, "_chains", {}):
            if getattr(type(self), name, None) is function:
                self._next = name
                return
        raise LocustError(f"{task!r} is not a task of the chain of {type(self).__name__}")

    def get_next_task(self) -> Any:
        """The current task; the next one is drawn from its transitions."""
        name = self._next_name()
        self._next = self._chains[name].draw()
        return getattr(self, name)

    def _next_name(self) -> str:
        """The name of the task that runs next (at first, the chain's start)."""
        name: str | None = getattr(self, "_next", None)
        if name is None:
            raise LocustError(
                f"{type(self).__name__} is abstract (abstract = True): it has no chain to "
                "run. Put a subclass with @transition tasks in the user's tasks instead"
            )
        return name
