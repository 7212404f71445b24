"""Placing users on workers: Locust's worker order, class order and round-robin."""

from __future__ import annotations

from collections import Counter

from horde.distributed import Placement, worker_order
from horde.engine import UserSequence
from horde.user import User


class A(User):
    weight = 3


class B(User):
    weight = 1


class F(User):
    fixed_count = 2


def test_workers_are_ordered_so_users_spread_over_hosts_first():
    assert worker_order(["hosta_1", "hostb_2", "hosta_0"]) == ["hosta_0", "hostb_2", "hosta_1"]


def test_users_go_round_robin_in_the_sequence_order():
    workers = ["hosta_0", "hosta_1", "hostb_2"]
    sequence = UserSequence([A, B, F])
    placement = Placement(sequence, workers)
    placement.resize(10)
    order = ["hosta_0", "hostb_2", "hosta_1"]
    expected: dict[str, Counter[str]] = {w: Counter() for w in order}
    for index, cls in enumerate(sequence.prefix(10)):
        expected[order[index % 3]][cls.__name__] += 1
    targets = placement.targets()
    assert {w: {k: v for k, v in c.items() if v} for w, c in targets.items()} == {
        w: dict(c) for w, c in expected.items()
    }
    # Fixed users come first, then the weighted classes; the totals are the sequence's.
    assert [cls.__name__ for cls in sequence.prefix(2)] == ["F", "F"]
    totals = Counter()
    for counts in targets.values():
        totals.update(counts)
    assert dict(totals) == sequence.counts(10)


def test_shrinking_removes_the_newest_users_and_growing_gives_them_back():
    placement = Placement(UserSequence([A, B]), ["w_1", "w_2", "w_3"])
    placement.resize(9)
    nine = placement.targets()
    placement.resize(4)
    assert sum(sum(c.values()) for c in placement.targets().values()) == 4
    placement.resize(9)
    assert placement.targets() == nine
    assert placement.count == 9
