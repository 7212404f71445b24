import logging
import random

import pytest
from tests.unit.user.test_tasks import run_user, user_errors

from horde import MarkovTaskSet, User, constant, tag, task, transition, transitions
from horde.engine import Environment
from horde.exceptions import LocustError, StopUser
from horde.user import (
    InvalidTransitionError,
    MarkovTaskTagError,
    NoMarkovTasksError,
    NonMarkovTaskTransitionError,
    filter_tasks_by_tags,
)


def user_of(chain, steps, calls):
    """A user running ``chain`` until it made ``steps`` calls."""

    class Walker(User):
        wait_time = constant(0)
        tasks = [chain]

    def note(name):
        calls.append(name)
        if len(calls) >= steps:
            raise StopUser

    Walker.note = staticmethod(note)
    return Walker


def test_the_chain_starts_at_the_first_task_with_transitions_and_follows_them():
    calls = []

    class Journey(MarkovTaskSet):
        def helper(self):  # no transitions: not a state of the chain
            calls.append("helper")

        @transition("browse")
        def home(self):
            self.user.note("home")

        @transition("cart")
        def browse(self):
            self.user.note("browse")

        @transition("home")
        def cart(self):
            self.user.note("cart")

    run_user(user_of(Journey, 7, calls))
    assert calls == ["home", "browse", "cart", "home", "browse", "cart", "home"]


def test_weights_in_every_form_set_how_often_each_transition_is_taken():
    random.seed(7)
    calls = []

    class Journey(MarkovTaskSet):
        @transitions({"often": 3, "rarely": 1})
        def hub(self):
            self.user.note("hub")

        @transitions(["hub"])
        def often(self):
            self.user.note("often")

        @transitions([("hub", 2)])
        @transition("never", weight=0)
        def rarely(self):
            self.user.note("rarely")

        @transition("hub")
        def never(self):
            self.user.note("never")

    run_user(user_of(Journey, 4000, calls))
    assert calls[0] == "hub"
    assert "never" not in calls
    often, rarely = calls.count("often"), calls.count("rarely")
    assert 2.5 < often / rarely < 3.6
    assert calls.count("hub") == often + rarely + (calls[-1] == "hub")


def test_a_chain_with_a_sync_and_an_async_task():
    calls = []

    class Journey(MarkovTaskSet):
        @transition("second")
        async def first(self):
            self.user.note("first")

        @transition("first")
        def second(self):
            self.user.note("second")

    run_user(user_of(Journey, 4, calls))
    assert calls == ["first", "second", "first", "second"]


def test_a_class_without_transitions_is_refused():
    with pytest.raises(NoMarkovTasksError, match="No Markov tasks defined in class Empty"):

        class Empty(MarkovTaskSet):
            @task
            def plain(self):
                pass


def test_a_transition_to_a_missing_task_is_refused():
    with pytest.raises(InvalidTransitionError, match="Transition to nowhere from a is invalid"):

        class Broken(MarkovTaskSet):
            @transition("nowhere")
            def a(self):
                pass


def test_a_transition_to_a_method_without_transitions_is_refused():
    with pytest.raises(NonMarkovTaskTransitionError, match=r"Broken\.plain cannot be used"):

        class Broken(MarkovTaskSet):
            @transition("plain")
            def a(self):
                pass

            def plain(self):
                pass


@pytest.mark.parametrize("weight", [1.5, -1, "2", True])
def test_a_weight_that_is_not_a_count_is_refused(weight):
    with pytest.raises(InvalidTransitionError, match=r"Broken\.a to a has weight"):

        class Broken(MarkovTaskSet):
            @transition("a", weight=weight)
            def a(self):
                pass


def test_a_task_whose_transitions_all_weigh_zero_is_refused():
    with pytest.raises(InvalidTransitionError, match=r"Every transition from Broken\.a"):

        class Broken(MarkovTaskSet):
            @transition("a", weight=0)
            def a(self):
                pass


def test_tagged_markov_tasks_are_refused():
    with pytest.raises(MarkovTaskTagError, match=r"Tagged\.a: \['x'\]"):

        class Tagged(MarkovTaskSet):
            @tag("x")
            @transition("a")
            def a(self):
                pass


def test_run_may_not_be_a_markov_task():
    with pytest.raises(LocustError, match=r"Bad\.run\(\) is used internally"):

        class Bad(MarkovTaskSet):
            @transition("run")
            def run(self):
                pass


def test_unreachable_tasks_and_on_start_transitions_are_warned_about(caplog):
    with caplog.at_level(logging.WARNING):

        class Loose(MarkovTaskSet):
            @transition("on_start")
            def on_start(self):
                pass

            @transition("island")
            def island(self):
                pass

    messages = [record.getMessage() for record in caplog.records]
    assert "The following markov tasks are unreachable in class Loose: island" in messages
    assert any("Loose.on_start has transitions" in message for message in messages)


def test_an_abstract_class_is_not_checked_and_its_subclasses_are():
    class Base(MarkovTaskSet):
        abstract = True

        def shared(self):
            pass

    with pytest.raises(NoMarkovTasksError):

        class Concrete(Base):
            pass


def test_tag_filtering_keeps_a_markov_task_set_whole():
    class Journey(MarkovTaskSet):
        @transition("a")
        def a(self):
            pass

    class Walker(User):
        tasks = [Journey]

        @tag("other")
        @task
        def other(self):
            pass

    filter_tasks_by_tags(Walker, {"other"}, None)
    assert Walker.tasks == [Journey, Walker.__dict__["other"]]
    filter_tasks_by_tags(Walker, None, {"other"})
    assert Walker.tasks == [Journey]


def test_equal_weights_keep_a_markov_task_set_as_one_task():
    class Journey(MarkovTaskSet):
        @transition("a")
        def a(self):
            pass

    class Walker(User):
        tasks = {Journey: 5}

    environment = Environment(user_classes=[Walker])
    environment.assign_equal_weights()
    assert Walker.tasks == [Journey]


def test_tasks_are_known_by_their_name_in_the_class_not_their_function_name():
    calls = []

    def page(path):
        @transition("home")
        def visit(self):  # the same __name__ for both pages
            self.user.note(path)

        return visit

    def counted(func):  # a decorator without functools.wraps
        def wrapper(self):
            return func(self)

        wrapper.transitions = func.transitions
        return wrapper

    class Site(MarkovTaskSet):
        @transitions(["product"])
        def home(self):
            self.user.note("home")

        product = page("/product")

        @counted
        @transition("home")
        def unused(self):
            pass

    run_user(user_of(Site, 4, calls))
    assert calls == ["home", "/product", "home", "/product"]


def test_a_subclass_that_overrides_a_task_of_the_chain_runs_its_own_from_the_start():
    calls = []

    class Base(MarkovTaskSet):
        @transition("b")
        def a(self):
            self.user.note("base a")

        @transition("a")
        def b(self):
            self.user.note("b")

    class Child(Base):
        abstract = True  # not checked: it adds no chain, only an override

        def a(self):
            self.user.note("child a")

    run_user(user_of(Child, 3, calls))
    assert calls == ["child a", "b", "child a"]
    assert Base.abstract is False


def test_an_abstract_task_set_in_a_users_tasks_says_so_when_it_runs():
    class Base(MarkovTaskSet):
        abstract = True

    class Walker(User):
        wait_time = constant(0.01)
        tasks = [Base]

    errors = user_errors(Walker)
    assert errors[0].startswith("Base is abstract (abstract = True): it has no chain to run")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: transition(lambda self: None), "@transition needs the name"),
        (lambda: transitions("browse"), "@transitions takes a dict"),
    ],
)
def test_a_decorator_given_the_wrong_thing_says_how_to_write_it(make, message):
    with pytest.raises(LocustError, match=message):
        make()


def test_large_weights_cost_no_memory():
    class Heavy(MarkovTaskSet):
        @transitions({"a": 10**12, "b": 3 * 10**12})
        def a(self):
            pass

        @transition("a")
        def b(self):
            pass

    assert Heavy._chains["a"].total == 4 * 10**12


def test_a_tag_on_a_markov_task_set_is_said_to_have_no_effect(caplog):
    with caplog.at_level(logging.WARNING):

        @tag("checkout")
        class Journey(MarkovTaskSet):
            @transition("a")
            def a(self):
                pass

    assert "@tag on Journey has no effect" in caplog.text


def test_setting_current_jumps_to_that_task_of_the_chain():
    calls = []

    class Journey(MarkovTaskSet):
        @transition("b")
        def a(self):
            self.user.note("a")
            if len(calls) == 1:
                self.current = self.c  # Locust's attribute: jump past b

        @transition("a")
        def b(self):
            self.user.note("b")

        @transition("a")
        def c(self):
            self.user.note("c")

    run_user(user_of(Journey, 4, calls))
    assert calls == ["a", "c", "a", "b"]
    with pytest.raises(LocustError, match="is not a task of the chain of Journey"):
        Journey.__new__(Journey).current = print
