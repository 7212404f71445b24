import asyncio

import pytest

from horde import SequentialTaskSet, TaskSet, User, constant, tag, task
from horde.engine import Environment
from horde.exceptions import StopUser
from horde.runtime import LOOP_TURNS, await_, run
from horde.user import filter_tasks_by_tags


def run_user(user_class, environment=None, timeout=2.0):
    environment = environment or Environment(user_classes=[user_class])
    user = user_class(environment)

    async def main():
        await asyncio.wait_for(user._run(), timeout)

    run(main())
    return user


def user_errors(user_class, seconds=0.05):
    """What ``user_error`` said while a ``user_class`` user ran for ``seconds``."""
    environment = Environment(user_classes=[user_class])
    errors = []
    environment.events.user_error.add_listener(
        lambda exception, **kw: errors.append(str(exception))
    )
    user = user_class(environment)

    async def main():
        task = asyncio.ensure_future(user._run())
        await asyncio.sleep(seconds)
        task.cancel()

    run(main())
    return errors


def test_task_weights_repeat_tasks_in_the_flat_list():
    class Shopper(User):
        @task(3)
        def browse(self):
            pass

        @task
        def buy(self):
            pass

    names = [t.__name__ for t in Shopper.tasks]
    assert names.count("browse") == 3
    assert names.count("buy") == 1


@pytest.mark.parametrize(
    "tasks",
    [
        pytest.param({"a": 2, "b": 1}, id="dict"),
        pytest.param([("a", 2), ("b", 1)], id="pairs"),
        pytest.param(["a", "a", "b"], id="list"),
    ],
)
def test_tasks_attribute_forms(tasks):
    def a(user):
        pass

    def b(user):
        pass

    functions = {"a": a, "b": b}
    if isinstance(tasks, dict):
        resolved = {functions[k]: v for k, v in tasks.items()}
    else:
        resolved = [
            (functions[i[0]], i[1]) if isinstance(i, tuple) else functions[i] for i in tasks
        ]
    cls = type("U", (User,), {"tasks": resolved})
    assert [t.__name__ for t in cls.tasks] == ["a", "a", "b"]


def test_subclass_tasks_add_to_parent_tasks():
    class Base(User):
        abstract = True

        @task
        def parent_task(self):
            pass

    class Child(Base):
        @task
        def child_task(self):
            pass

    assert [t.__name__ for t in Child.tasks] == ["parent_task", "child_task"]
    assert Base.abstract is True
    assert Child.abstract is False


def test_tags_filter_tasks_recursively():
    class Nested(TaskSet):
        @tag("browse")
        @task
        def inner(self):
            pass

    class Shopper(User):
        tasks = [Nested]

        @tag("browse")
        @task
        def browse(self):
            pass

        @tag("purchase")
        @task
        def buy(self):
            pass

        @task
        def untagged(self):
            pass

    filter_tasks_by_tags(Shopper, {"browse"}, None)
    assert [getattr(t, "__name__", None) for t in Shopper.tasks] == ["Nested", "browse"]


def test_tag_without_names_is_an_error():
    with pytest.raises(ValueError, match="No tag name"):
        tag()


def test_user_runs_tasks_waits_and_stops_with_on_stop():
    calls = []

    class Worker(User):
        wait_time = constant(0)

        def on_start(self):
            calls.append("start")

        @task
        def work(self):
            calls.append("work")
            if calls.count("work") == 3:
                raise StopUser

        def on_stop(self):
            calls.append("stop")

    run_user(Worker)
    assert calls == ["start", "work", "work", "work", "stop"]


def test_async_tasks_run_on_the_loop():
    calls = []

    class Worker(User):
        @task
        async def work(self):
            await asyncio.sleep(0)
            calls.append("async")
            if len(calls) == 2:
                raise StopUser

    run_user(Worker)
    assert calls == ["async", "async"]


def _count_yields(monkeypatch) -> list[float]:
    """Record every wait a task loop takes after a task (a bare yield is a 0)."""
    waits: list[float] = []
    original = TaskSet._sleep

    def counting(self, seconds):
        waits.append(seconds)
        return original(self, seconds)

    monkeypatch.setattr(TaskSet, "_sleep", counting)
    return waits


def _delivered_by_the_loop(bump: bool) -> asyncio.Future[None]:
    """A future the loop resolves from a callback, as a connection resolves a response."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def deliver() -> None:
        if bump:
            LOOP_TURNS.count += 1
        future.set_result(None)

    loop.call_soon(deliver)
    return future


@pytest.mark.parametrize(
    ("how", "yields"),
    [
        pytest.param("loop-callback", 0, id="a-counted-loop-callback-woke-it"),
        pytest.param("uncounted", 3, id="an-uncounted-wake-up"),
        pytest.param("never", 3, id="never-suspended"),
    ],
)
def test_an_async_task_without_a_wait_yields_once_unless_the_loop_ran_meanwhile(
    monkeypatch, how, yields
):
    # A bare yield after each task keeps a user that never waits from starving the
    # others; a task woken by a counted loop callback already let them run.
    waits = _count_yields(monkeypatch)
    runs = []

    class Fetcher(User):
        wait_time = constant(0)

        @task
        async def fetch(self):
            if how != "never":
                await _delivered_by_the_loop(bump=how == "loop-callback")
            runs.append(how)
            if len(runs) == 4:
                raise StopUser

    run_user(Fetcher)
    assert len(runs) == 4
    assert waits == [0] * yields


def test_a_sync_task_that_waited_on_the_loop_does_not_yield_again(monkeypatch):
    waits = _count_yields(monkeypatch)
    runs = []

    class Sleeper(User):
        wait_time = constant(0)

        @task
        def nap(self):
            await_(asyncio.sleep(0))
            runs.append(1)
            if len(runs) == 4:
                raise StopUser

    run_user(Sleeper)
    assert waits == []


def test_task_exception_fires_user_error_with_the_taskset_and_goes_on(caplog):
    seen = []

    class Worker(User):
        @task
        def work(self):
            seen.append("work")
            if len(seen) == 1:
                raise ValueError("boom")
            raise StopUser

    environment = Environment(user_classes=[Worker])
    errors = []
    environment.events.user_error.add_listener(
        lambda user_instance, exception, tb, **kw: errors.append((user_instance, exception))
    )
    run_user(Worker, environment)
    assert seen == ["work", "work"]
    assert type(errors[0][0]).__name__ == "DefaultTaskSet"
    assert str(errors[0][1]) == "boom"
    assert "boom" in caplog.text


def test_on_start_exception_ends_the_user_without_on_stop():
    calls = []

    class Worker(User):
        def on_start(self):
            raise RuntimeError("cannot log in")

        @task
        def work(self):
            calls.append("work")

        def on_stop(self):
            calls.append("stop")

    environment = Environment(user_classes=[Worker])
    errors = []
    environment.events.user_error.add_listener(
        lambda user_instance, **kw: errors.append(user_instance)
    )
    with pytest.raises(RuntimeError):
        run_user(Worker, environment)
    assert calls == []
    assert isinstance(errors[0], Worker)


def test_interrupt_returns_to_parent_and_calls_on_stop():
    calls = []

    class Inner(TaskSet):
        @task
        def leave(self):
            calls.append("inner")
            self.interrupt()

        def on_stop(self):
            calls.append("inner stop")

    class Worker(User):
        tasks = [Inner]

        def on_start(self):
            calls.append("start")

    environment = Environment(user_classes=[Worker])
    user = Worker(environment)

    async def main():
        async def stop_soon():
            while calls.count("inner") < 2:
                await asyncio.sleep(0)
            user._state = "stopping"

        await asyncio.gather(user._run(), stop_soon())

    run(main())
    assert calls[:4] == ["start", "inner", "inner stop", "inner"]


def test_sequential_taskset_runs_in_declaration_order():
    calls = []

    class Steps(SequentialTaskSet):
        @task
        def first(self):
            calls.append(1)

        @task(2)
        def second(self):
            calls.append(2)

        @task
        def third(self):
            calls.append(3)
            if len(calls) >= 8:
                raise StopUser

    class Worker(User):
        tasks = [Steps]

    run_user(Worker)
    assert calls == [1, 2, 2, 3, 1, 2, 2, 3]


def test_scheduled_tasks_run_before_picked_ones_first_ones_at_the_front():
    calls = []

    class Planned(TaskSet):
        def later(self):
            calls.append("later")

        def sooner(self):
            calls.append("sooner")

        @task
        def plan(self):
            calls.append("plan")
            if len(calls) > 1:
                raise StopUser
            self.schedule_task(self.later)
            self.schedule_task(self.sooner, first=True)

    class Worker(User):
        tasks = [Planned]

    run_user(Worker)
    assert calls == ["plan", "sooner", "later", "plan"]


def test_missing_tasks_error_names_the_class(caplog):
    class Empty(User):
        pass

    errors = user_errors(Empty)
    assert errors
    assert errors[0].startswith("No tasks defined on Empty.")


def test_stop_while_waiting_cancels_and_runs_on_stop():
    calls = []

    class Sleeper(User):
        wait_time = constant(30)

        @task
        def work(self):
            calls.append("work")

        def on_stop(self):
            calls.append("stop")

    environment = Environment(user_classes=[Sleeper])
    user = Sleeper(environment)

    async def main():
        user._task = asyncio.ensure_future(user._run())
        await asyncio.sleep(0.05)
        assert user.stop() is True
        with pytest.raises(asyncio.CancelledError):
            await user._task

    run(main())
    assert calls == ["work", "stop"]


def test_graceful_stop_finishes_the_running_task():
    calls = []

    class Busy(User):
        @task
        def work(self):
            import time

            calls.append("begin")
            time.sleep(0.1)  # cooperative within a run
            calls.append("end")

        def on_stop(self):
            calls.append("stop")

    from horde.runtime import cooperative_sleep

    environment = Environment(user_classes=[Busy])
    user = Busy(environment)

    async def main():
        task = asyncio.ensure_future(user._run())
        await asyncio.sleep(0.02)
        assert user.stop() is False
        await asyncio.wait_for(task, 2)

    with cooperative_sleep():
        run(main())
    assert calls == ["begin", "end", "stop"]


def test_default_start_and_stop_hooks_are_not_called_through_a_greenlet(monkeypatch):
    from horde.runtime import SyncCaller

    called = []
    real_call = SyncCaller.call

    def spy(self, fn, *args):
        called.append(getattr(fn, "__name__", fn))
        return real_call(self, fn, *args)

    monkeypatch.setattr(SyncCaller, "call", spy)

    class Quiet(User):
        wait_time = constant(0)

        @task
        async def work(self):
            raise StopUser

    class Hooked(Quiet):
        def on_start(self):
            pass

        def on_stop(self):
            pass

    run_user(Quiet)
    assert called == []  # nothing to run: no greenlet trip at start or stop
    run_user(Hooked)
    assert called == ["on_start", "on_stop"]
