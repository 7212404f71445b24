"""Which worker runs which users: Locust's dispatch, as absolute counts per worker, and
the even shares of an open model's cap on users."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from horde.engine import UserSequence

__all__ = ["Placement", "even_shares", "worker_order"]


def even_shares(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` shares that differ by one at most and add up to it (each gets
    one at least, so a cap smaller than the workers is exceeded rather than idling some).

    Example:
        >>> even_shares(7, 3)
        [3, 2, 2]
    """
    share, extra = divmod(total, parts)
    return [max(share + (index < extra), 1) for index in range(parts)]


def worker_order(worker_ids: Iterable[str]) -> list[str]:
    """Order workers so that successive users spread over hosts first.

    Workers are sorted by id, numbered within their host (the id's part before the first
    ``_``), then sorted by that number.

    Example:
        >>> worker_order(["hosta_1", "hostb_2", "hosta_0"])
        ['hosta_0', 'hostb_2', 'hosta_1']
    """
    seen: defaultdict[str, int] = defaultdict(int)
    keyed = []
    for worker_id in sorted(worker_ids):
        host = worker_id.split("_", 1)[0]
        keyed.append((seen[host], worker_id))
        seen[host] += 1
    return [worker_id for _, worker_id in sorted(keyed)]


class Placement:
    """The users of a distributed test, each assigned to a worker.

    The ``i``-th user of the :class:`UserSequence` goes to worker ``i mod n`` in
    :func:`worker_order`; shrinking removes the newest users first, so a ramp down and up
    again gives back the same users on the same workers.

    Args:
        sequence: The order of user classes.
        worker_ids: The workers to place users on (at least one).

    Example:
        >>> class A: weight, fixed_count = 3, 0
        >>> class B: weight, fixed_count = 1, 0
        >>> placement = Placement(UserSequence([A, B]), ["w_1", "w_2"])
        >>> placement.resize(8)
        >>> placement.targets()
        {'w_1': {'A': 2, 'B': 2}, 'w_2': {'A': 4, 'B': 0}}
    """

    def __init__(self, sequence: UserSequence, worker_ids: Iterable[str]) -> None:
        self.sequence = sequence
        self.workers = worker_order(worker_ids)
        if not self.workers:
            raise ValueError("a placement needs at least one worker")
        self._users: list[tuple[str, str]] = []
        self._counts = {w: {cls.__name__: 0 for cls in sequence.classes} for w in self.workers}

    @property
    def count(self) -> int:
        """Users placed."""
        return len(self._users)

    def resize(self, count: int) -> None:
        """Place users until there are ``count`` of them, or remove the newest."""
        users = self._users
        while len(users) > count:
            worker, name = users.pop()
            self._counts[worker][name] -= 1
        for index in range(len(users), count):
            worker = self.workers[index % len(self.workers)]
            name = self.sequence[index].__name__
            users.append((worker, name))
            self._counts[worker][name] += 1

    def targets(self) -> dict[str, dict[str, int]]:
        """Users per class for each worker (every class named, zeros included)."""
        return {worker: dict(counts) for worker, counts in self._counts.items()}
