"""``locust.dispatch.UsersDispatcher``: Locust's interface over horde's placement."""

import pytest

from horde.compat import locust_alias
from horde.distributed import Placement
from horde.engine import UserSequence


class A:
    weight, fixed_count = 3, 0


class B:
    weight, fixed_count = 1, 0


class F:
    weight, fixed_count = 1, 2


class Node:
    def __init__(self, node_id):
        self.id = node_id


class Time:
    """A fake clock and sleep: only sleeping (or the test) moves the clock on."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 9))
        self.now += seconds


@pytest.fixture
def dispatcher_class():
    with locust_alias():
        from locust.dispatch import UsersDispatcher
    return UsersDispatcher


@pytest.fixture
def time():
    return Time()


def make(dispatcher_class, time, workers=("hosta_0", "hosta_1", "hostb_2"), classes=(A, B, F)):
    return dispatcher_class(
        [Node(w) for w in workers], list(classes), sleep=time.sleep, clock=time.clock
    )


def totals(distribution):
    counts = {}
    for per_class in distribution.values():
        for name, count in per_class.items():
            counts[name] = counts.get(name, 0) + count
    return counts


def test_a_ramp_steps_by_the_rate_and_ends_on_horde_placement(dispatcher_class, time):
    dispatcher = make(dispatcher_class, time)
    dispatcher.new_dispatch(target_user_count=10, spawn_rate=4)

    steps = list(dispatcher)

    assert [sum(totals(step).values()) for step in steps] == [4, 8, 10]
    assert time.sleeps == [1.0, 1.0]  # none after the last step
    expected = Placement(UserSequence([A, B, F]), ["hosta_0", "hosta_1", "hostb_2"])
    expected.resize(10)
    assert steps[-1] == expected.targets()
    assert totals(steps[0]) == {"A": 2, "B": 0, "F": 2}  # the fixed users come first
    assert list(steps[-1]) == ["hosta_0", "hostb_2", "hosta_1"]  # spread over hosts first
    assert not dispatcher.dispatch_in_progress
    assert list(dispatcher) == []  # until the next new_dispatch


def test_the_wait_leaves_out_the_time_a_step_took(dispatcher_class, time):
    dispatcher = make(dispatcher_class, time)
    dispatcher.new_dispatch(3, 1)
    for _ in dispatcher:
        time.now += 0.25  # sending the step to the workers
    assert time.sleeps == [0.75, 0.75]
    assert dispatcher.dispatch_iteration_durations == [0.25, 0.25, 0.25]


def test_a_fractional_rate_adds_one_user_a_step(dispatcher_class, time):
    dispatcher = make(dispatcher_class, time)
    dispatcher.new_dispatch(3, 0.5)
    assert [dispatcher.get_current_user_count() for _ in dispatcher] == [1, 2, 3]
    assert time.sleeps == [2.0, 2.0]


def test_ramping_down_removes_the_newest_users_first(dispatcher_class, time):
    dispatcher = make(dispatcher_class, time)
    dispatcher.new_dispatch(10, 100)
    (full,) = list(dispatcher)
    dispatcher.new_dispatch(4, 3)
    steps = list(dispatcher)
    assert [sum(totals(step).values()) for step in steps] == [7, 4]
    dispatcher.new_dispatch(10, 100)
    assert list(dispatcher) == [full]  # the same users come back on the same workers
    dispatcher.new_dispatch(0, 100)
    assert totals(next(dispatcher)) == {"A": 0, "B": 0, "F": 0}


def test_the_same_target_gives_the_current_distribution_once(dispatcher_class, time):
    dispatcher = make(dispatcher_class, time)
    dispatcher.new_dispatch(5, 100)
    (placed,) = list(dispatcher)
    dispatcher.new_dispatch(5, 1)
    assert list(dispatcher) == [placed]
    assert time.sleeps == []


def test_steps_are_copies(dispatcher_class, time):
    dispatcher = make(dispatcher_class, time)
    dispatcher.new_dispatch(5, 100)
    (step,) = list(dispatcher)
    step["hosta_0"]["A"] = 99
    dispatcher.new_dispatch(5, 100)
    assert next(dispatcher)["hosta_0"]["A"] != 99


def test_a_worker_joining_mid_ramp_gets_a_share_at_the_next_step(dispatcher_class, time):
    dispatcher = make(dispatcher_class, time, workers=("hosta_0",))
    dispatcher.new_dispatch(6, 2)
    first = next(dispatcher)
    assert set(first) == {"hosta_0"}
    dispatcher.add_worker(Node("hostb_1"))
    rebalanced = next(dispatcher)
    assert set(rebalanced) == {"hosta_0", "hostb_1"}
    assert sum(totals(rebalanced).values()) == 2  # the same users, spread anew
    assert [sum(totals(step).values()) for step in dispatcher] == [4, 6]


def test_a_worker_leaving_hands_its_users_to_the_others(dispatcher_class, time):
    dispatcher = make(dispatcher_class, time)
    dispatcher.new_dispatch(9, 100)
    list(dispatcher)
    dispatcher.remove_worker(Node("hosta_1"))
    dispatcher.new_dispatch(9, 100)
    (step,) = list(dispatcher)
    assert set(step) == {"hosta_0", "hostb_2"}
    assert sum(totals(step).values()) == 9
    assert dispatcher.dispatch_in_progress is False


def test_with_every_worker_gone_nothing_is_placed(dispatcher_class, time):
    dispatcher = make(dispatcher_class, time)
    dispatcher.new_dispatch(9, 100)
    list(dispatcher)
    for name in ("hosta_0", "hosta_1", "hostb_2"):
        dispatcher.remove_worker(Node(name))
    dispatcher.new_dispatch(4, 100)
    assert list(dispatcher) == [{}]


def test_new_user_classes_place_the_users_over_them(dispatcher_class, time):
    dispatcher = make(dispatcher_class, time)
    dispatcher.new_dispatch(4, 100)
    list(dispatcher)
    dispatcher.new_dispatch(6, 100, user_classes=[B])
    (step,) = list(dispatcher)
    assert totals(step) == {"B": 6}


def test_only_fixed_count_classes_stop_at_their_sum(dispatcher_class, time):
    dispatcher = make(dispatcher_class, time, classes=(F,))
    dispatcher.new_dispatch(10, 1)
    assert [totals(step) for step in dispatcher] == [{"F": 1}, {"F": 2}]


def test_dispatch_in_progress_during_a_ramp(dispatcher_class, time):
    dispatcher = make(dispatcher_class, time)
    dispatcher.new_dispatch(2, 1)
    next(dispatcher)
    assert dispatcher.dispatch_in_progress


@pytest.mark.parametrize(
    ("count", "rate", "message"),
    [
        (-1, 1, "target user count must be 0 or more"),
        (1, 0, "spawn rate must be a positive number"),
        (1, float("inf"), "spawn rate must be a positive number"),
        (1, float("nan"), "spawn rate must be a positive number"),
    ],
)
def test_new_dispatch_refuses_bad_numbers(dispatcher_class, time, count, rate, message):
    with pytest.raises(ValueError, match=message):
        make(dispatcher_class, time).new_dispatch(count, rate)


@pytest.mark.parametrize(
    ("workers", "classes", "message"),
    [
        ((), (A,), "at least one worker"),
        (("w_1",), (), "at least one user class"),
        (("w_1",), (A, A), "same user class twice"),
    ],
)
def test_the_constructor_refuses_what_cannot_be_dispatched(
    dispatcher_class, time, workers, classes, message
):
    with pytest.raises(ValueError, match=message):
        make(dispatcher_class, time, workers=workers, classes=classes)


def test_iterating_before_new_dispatch_says_what_to_do(dispatcher_class, time):
    with pytest.raises(RuntimeError, match=r"call new_dispatch\(\)"):
        next(make(dispatcher_class, time))
