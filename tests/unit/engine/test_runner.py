import asyncio
import logging
import time

import pytest

from horde import LoadTestShape, User, constant, task
from horde.engine import STATE_STOPPED, Environment
from horde.runtime import cooperative_sleep, run


class Idle(User):
    wait_time = constant(0.01)

    @task
    def idle(self):
        pass


class Other(User):
    weight = 3
    wait_time = constant(0.01)

    @task
    def idle(self):
        pass


def test_ramp_spawns_users_in_proportion_and_logs_like_locust(caplog):
    environment = Environment(user_classes=[Idle, Other])
    runner = environment.create_local_runner()
    completed = []
    environment.events.spawning_complete.add_listener(
        lambda user_count: completed.append(user_count)
    )

    async def main():
        runner.start(8, spawn_rate=100)
        while not completed:
            await asyncio.sleep(0.01)
        counts = runner.user_classes_count
        await runner.quit_async()
        return counts

    with caplog.at_level(logging.INFO):
        counts = run(main())
    assert counts == {"Idle": 2, "Other": 6}
    assert completed == [8]
    assert "Ramping to 8 users at a rate of 100.00 per second" in caplog.text
    assert 'All users spawned: {"Idle": 2, "Other": 6} (8 total users)' in caplog.text
    assert runner.state == STATE_STOPPED
    assert runner.user_count == 0


def test_events_fire_in_order_and_on_stop_runs():
    order = []

    class Tracked(User):
        wait_time = constant(0.01)

        @task
        def work(self):
            pass

        def on_stop(self):
            order.append("on_stop")

    environment = Environment(user_classes=[Tracked])
    for name in ("test_start", "test_stopping", "test_stop"):
        getattr(environment.events, name).add_listener(lambda name=name, **kw: order.append(name))
    runner = environment.create_local_runner()

    async def main():
        runner.start(2, spawn_rate=10)
        await asyncio.sleep(0.05)
        await runner.quit_async()

    run(main())
    assert order == ["test_start", "test_stopping", "on_stop", "on_stop", "test_stop"]


def test_ramp_down_stops_the_newest_users():
    environment = Environment(user_classes=[Idle, Other])
    runner = environment.create_local_runner()

    async def main():
        runner.start(8, spawn_rate=100)
        await asyncio.sleep(0.05)
        runner.start(4, spawn_rate=100)
        await asyncio.sleep(0.05)
        counts = runner.user_classes_count
        await runner.quit_async()
        return counts

    assert run(main()) == {"Idle": 1, "Other": 3}


def test_missing_host_stops_the_run(caplog):
    from horde import HttpUser

    class NoHost(HttpUser):
        @task
        def work(self):
            pass

    environment = Environment(user_classes=[NoHost])
    runner = environment.create_local_runner()

    async def main():
        runner.start(1, spawn_rate=1)
        await asyncio.wait_for(runner.wait_until_quit(), 2)

    run(main())
    assert "You must specify the base host" in caplog.text


def test_user_count_change_mid_test_does_not_refire_test_start():
    starts = []
    environment = Environment(user_classes=[Idle])
    environment.events.test_start.add_listener(lambda **kw: starts.append(1))
    runner = environment.create_local_runner()

    async def main():
        runner.start(2, spawn_rate=100)
        await asyncio.sleep(0.02)
        runner.start(3, spawn_rate=100)
        await asyncio.sleep(0.02)
        await runner.quit_async()

    run(main())
    assert starts == [1]


@pytest.mark.slow
def test_shape_drives_the_user_count_and_ends_the_run(caplog):
    seen = []

    class Steps(LoadTestShape):
        ticks = iter([(2, 100), (2, 100), (4, 100), None])

        def tick(self):
            seen.append(self.get_current_user_count())
            return next(self.ticks)

    environment = Environment(user_classes=[Idle], shape_class=Steps())
    runner = environment.create_local_runner()

    async def main():
        runner.start_shape()
        await asyncio.wait_for(runner.wait_until_quit(), 6)

    with caplog.at_level(logging.INFO):
        run(main())
    assert seen[0] == 0
    assert seen[2] == 2
    assert seen[3] == 4
    assert "Shape test updating to 4 users at 100.00 spawn rate" in caplog.text
    assert "Shape test stopping" in caplog.text


pytestmark = pytest.mark.filterwarnings("error")


def test_quit_during_a_stop_waits_for_the_users():
    stopped = []

    class Slow(User):
        wait_time = constant(0)

        @task
        def work(self):
            pass

        def on_stop(self):
            import time

            time.sleep(0.2)  # cooperative in a run
            stopped.append(1)

    environment = Environment(user_classes=[Slow])
    runner = environment.create_local_runner()

    async def main():
        runner.start(3, spawn_rate=100)
        await asyncio.sleep(0.05)
        runner.stop()
        await asyncio.sleep(0)
        await runner.quit_async()
        return len(stopped)

    with cooperative_sleep():
        assert run(main()) == 3


def run_until_quit(environment, start, timeout=5):
    runner = environment.create_local_runner()

    async def main():
        start(runner)
        await asyncio.wait_for(runner.wait_until_quit(), timeout)

    run(main())
    return runner


def test_a_user_constructor_error_ends_the_run_and_counts(caplog):
    class Broken(User):
        def __init__(self, environment):
            raise RuntimeError("cannot build this user")

        @task
        def t(self):
            pass

    runner = run_until_quit(Environment(user_classes=[Broken]), lambda r: r.start(1, 1))
    assert "The test cannot go on" in caplog.text
    assert "cannot build this user" in caplog.text
    assert [row["msg"] for row in runner.exceptions.values()] == ["cannot build this user"]


def test_a_missing_host_counts_as_an_error(caplog):
    from horde import HttpUser

    class NoHost(HttpUser):
        @task
        def t(self):
            pass

    runner = run_until_quit(Environment(user_classes=[NoHost]), lambda r: r.start(1, 1))
    assert "You must specify the base host" in caplog.text
    assert runner.exceptions


@pytest.mark.parametrize(
    ("ticks", "message"),
    [
        ([(1, 10), "oops"], "tick() returned 'oops'"),
        ([(1, 10), ZeroDivisionError("bad shape")], "bad shape"),
    ],
)
@pytest.mark.slow
def test_a_broken_shape_ends_the_run(caplog, ticks, message):
    class Broken(LoadTestShape):
        def tick(self):
            value = ticks.pop(0)
            if isinstance(value, Exception):
                raise value
            return value

    environment = Environment(user_classes=[Idle], shape_class=Broken())
    runner = run_until_quit(environment, lambda r: r.start_shape())
    assert message in caplog.text
    assert runner.exceptions


def test_fixed_count_only_classes_cap_the_user_count(caplog):
    class Fixed(User):
        fixed_count = 2
        wait_time = constant(1)

        @task
        def t(self):
            pass

    environment = Environment(user_classes=[Fixed])
    runner = environment.create_local_runner()
    completed = []
    environment.events.spawning_complete.add_listener(
        lambda user_count: completed.append(user_count)
    )

    async def main():
        runner.start(5, spawn_rate=100)
        while not completed:
            await asyncio.sleep(0.01)
        await runner.quit_async()

    with caplog.at_level(logging.INFO):
        run(main())
    assert completed == [2]
    assert "Only 2 users can run" in caplog.text


@pytest.mark.slow
def test_a_large_batch_is_spread_over_its_second_so_users_do_not_move_in_step():
    environment = Environment(user_classes=[Idle])
    runner = environment.create_local_runner()
    seen = []

    async def main():
        runner.start(400, spawn_rate=400)
        for _ in range(4):
            await asyncio.sleep(0.25)
            seen.append(runner.user_count)
        await runner.quit_async()

    run(main())
    # 400 users over one second, in 10 ms slices: about 100 more every quarter second.
    assert seen[-1] == 400
    assert 60 <= seen[0] <= 140
    assert seen == sorted(seen)


def test_a_small_batch_starts_at_once_as_in_locust():
    environment = Environment(user_classes=[Idle])
    runner = environment.create_local_runner()

    async def main():
        runner.start(50, spawn_rate=50)
        await asyncio.sleep(0.02)
        count = runner.user_count
        await runner.quit_async()
        return count

    assert run(main()) == 50


def test_synchronous_code_joins_the_runner_greenlet_until_it_quits():
    from horde.runtime import call_sync

    environment = Environment(user_classes=[Idle])
    runner = environment.create_local_runner()

    def library_use():
        runner.start(2, spawn_rate=100)
        before = runner.greenlet.join(timeout=0.05)
        runner.greenlet.kill(block=False)  # quits the runner
        return before, runner.greenlet.join(timeout=5), runner.state

    assert run(call_sync(library_use)) == (False, True, STATE_STOPPED)


def test_a_task_named_stop_does_not_keep_the_runner_from_stopping_its_users():
    class Shadowing(User):
        wait_time = constant(0.01)

        @task
        def stop(self):  # shadows User.stop, as a locustfile may
            pass

    environment = Environment(user_classes=[Shadowing])
    runner = environment.create_local_runner()

    async def main():
        runner.start(3, spawn_rate=100)
        await asyncio.sleep(0.05)
        runner.quit()
        await asyncio.wait_for(runner.wait_until_quit(), 5)

    run(main())
    assert runner.state == STATE_STOPPED
    assert not runner.exceptions


def test_a_failing_stop_ends_the_run_with_one_error(caplog, monkeypatch):
    environment = Environment(user_classes=[Idle])
    runner = environment.create_local_runner()

    async def broken():
        raise RuntimeError("cannot stop")

    monkeypatch.setattr(runner, "_stop_all_users", broken)

    async def main():
        runner.start(2, spawn_rate=100)
        await asyncio.sleep(0.05)
        runner.quit()
        await asyncio.wait_for(runner.wait_until_quit(), 5)
        await asyncio.sleep(0.05)  # a quit restarted by the failure would log again here

    run(main())
    assert caplog.text.count("The test cannot go on") == 1, caplog.text
    assert len(runner.exceptions) == 1


@pytest.mark.parametrize("model", ["closed", "open"])
def test_a_quit_while_test_start_listeners_wait_starts_no_load(model):
    """A Ctrl-C during a slow ``test_start`` listener: the run ends without users."""
    import time

    from horde.engine import ArrivalRate
    from horde.runtime import call_sync

    ran = []

    class Busy(User):
        wait_time = constant(0.01)

        @task
        def work(self):
            ran.append(1)

    environment = Environment(user_classes=[Busy])
    environment.events.test_start.add_listener(lambda **kw: time.sleep(0.2))
    runner = environment.create_local_runner()

    def start():
        if model == "closed":
            runner.start(3, spawn_rate=100)
        else:
            runner.start_arrivals(ArrivalRate.parse("50/s"), max_concurrency=3)

    async def main():
        asyncio.get_running_loop().call_later(0.05, runner.quit)
        await call_sync(start)
        await asyncio.sleep(0.1)
        await runner.wait_until_quit()

    with cooperative_sleep():
        run(main())
    assert ran == []
    assert runner.user_count == 0


def test_test_start_listeners_see_the_target_counts():
    """As in Locust: listeners that split test data by the users to come read them."""
    seen = []
    environment = Environment(user_classes=[Idle, Other])
    runner = environment.create_local_runner()
    environment.events.test_start.add_listener(
        lambda **kw: seen.append((runner.target_user_count, runner.target_user_classes_count))
    )

    async def main():
        runner.start(8, spawn_rate=100)
        await runner.quit_async()

    assert runner.target_user_classes_count == {"Idle": 0, "Other": 0}
    run(main())
    assert seen == [(8, {"Idle": 2, "Other": 6})]


def test_a_user_sleeping_in_its_own_init_holds_back_the_ramp_not_the_running_users():
    """Locust's ``examples/custom_shape/wait_user_count.py`` sleeps in ``User.__init__``:
    under Locust only its spawning greenlet waits."""
    ran = []

    class Slow(User):
        wait_time = constant(0.01)

        def __init__(self, environment):
            time.sleep(0.2)
            super().__init__(environment)

        @task
        def work(self):
            ran.append(runner.user_count)

    environment = Environment(user_classes=[Slow])
    runner = environment.create_local_runner()

    async def main():
        runner.start(2, spawn_rate=100)
        while runner.user_count < 2:
            await asyncio.sleep(0.01)
        await runner.quit_async()

    with cooperative_sleep():
        run(main())
    assert ran.count(1) >= 5  # the first user worked while the second was being built
