import time

import pytest

from horde import between, constant, constant_pacing, constant_throughput, poisson


def test_between_stays_in_range():
    wait = between(1, 3)
    values = [wait(None) for _ in range(1000)]
    assert all(1 <= v <= 3 for v in values)
    assert max(values) - min(values) > 1.5


def test_constant():
    assert constant(2.5)(None) == 2.5


def test_constant_pacing_subtracts_task_time():
    class Holder:
        pass

    holder = Holder()
    wait = constant_pacing(0.2)
    assert wait(holder) == 0.2
    time.sleep(0.2 + 0.05)  # the wait (0.2) plus a task of 0.05 s
    assert wait(holder) == pytest.approx(0.15, abs=0.03)


@pytest.mark.parametrize("factory", [constant_throughput, poisson])
def test_rates_must_be_positive(factory):
    with pytest.raises(ValueError, match="positive"):
        factory(0)


def test_poisson_mean():
    wait = poisson(4)
    values = [wait(None) for _ in range(20000)]
    assert sum(values) / len(values) == pytest.approx(0.25, rel=0.05)


def test_constant_pacing_counts_the_first_task_from_the_users_creation():
    from horde import User, task
    from horde.engine import Environment

    class Paced(User):
        wait_time = constant_pacing(0.2)

        @task
        def t(self):
            pass

    user = Paced(Environment(user_classes=[Paced]))
    time.sleep(0.05)  # the first task
    assert user.wait_time() == pytest.approx(0.15, abs=0.03)


def test_arguments_have_locusts_names():
    """Locustfiles pass them by keyword (``poisson(rate=5)``)."""
    assert between(min_wait=1, max_wait=1)(None) == 1
    assert constant(wait_time=2)(None) == 2
    assert callable(constant_pacing(wait_time=1))
    assert callable(constant_throughput(task_runs_per_second=1))
    assert poisson(rate=4)(None) > 0
