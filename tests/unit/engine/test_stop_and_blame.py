import asyncio
import logging
import sys

from horde import User, constant, task
from horde.engine import Environment
from horde.engine._blame import describe_blocking_frame
from horde.runtime import cooperative_sleep, run


class Busy(User):
    wait_time = constant(0)

    @task
    def work(self):
        import time

        self.environment.events.request.fire(
            request_type="t", name="begin", response_time=1, response_length=0
        )
        time.sleep(0.3)
        self.environment.events.request.fire(
            request_type="t", name="end", response_time=1, response_length=0
        )


def run_and_stop(stop_timeout):
    environment = Environment(user_classes=[Busy], stop_timeout=stop_timeout)
    runner = environment.create_local_runner()

    async def main():
        runner.start(1, spawn_rate=1)
        await asyncio.sleep(0.1)
        await runner.quit_async()

    with cooperative_sleep():
        run(main())
    return environment.stats


def test_stop_timeout_lets_running_tasks_finish():
    stats = run_and_stop(stop_timeout=2)
    assert stats.get("end", "t").num_requests == 1


def test_without_stop_timeout_users_are_stopped_at_once():
    stats = run_and_stop(stop_timeout=0)
    assert stats.get("begin", "t").num_requests == 1
    assert stats.get("end", "t").num_requests == 0


def test_stop_timeout_expiry_is_logged(caplog):
    with caplog.at_level(logging.INFO):
        run_and_stop(stop_timeout=0.05)
    assert "Not all users finished their tasks & terminated in 0.05 seconds" in caplog.text


class Blocker(User):
    @task
    def block(self):
        self.where = describe_blocking_frame(sys._getframe())


def test_blocking_code_is_blamed_on_its_user_class():
    environment = Environment(user_classes=[Blocker])
    user = Blocker(environment)
    user.block()
    assert user.where.startswith("user class Blocker at ")
    assert "test_stop_and_blame.py" in user.where
    assert "in block" in user.where
