import pytest

from horde import StepLoadShape


class FakeTime(StepLoadShape):
    now = 0.0

    def get_run_time(self):
        return self.now


def test_steps_climb_to_the_maximum_then_end():
    shape = FakeTime(step_users=25, step_time=20, max_users=60)
    assert shape.step_count == 3
    assert shape.duration == 60
    seen = []
    for second in range(0, 70, 10):
        shape.now = second
        seen.append(shape.tick())
    assert seen == [(25, 25.0), (25, 25.0), (50, 25.0), (50, 25.0), (60, 25.0), (60, 25.0), None]


def test_plateaus_are_recorded_in_order():
    shape = FakeTime(step_users=10, step_time=5, max_users=20, spawn_rate=5)
    for second in (0, 3, 5, 9, 10):
        shape.now = second
        shape.tick()
    steps = shape.steps
    assert [step.users for step in steps] == [10, 20]
    assert steps[0].end == steps[1].start
    assert steps[1].end is not None
    assert shape.tick() is None


def test_a_subclass_sets_its_steps_as_class_attributes():
    class Capacity(StepLoadShape):
        step_users = 5
        step_time = 1
        max_users = 12

    assert Capacity.abstract is False
    assert StepLoadShape.abstract is True
    assert Capacity().step_count == 3


@pytest.mark.parametrize("arguments", [(0, 10, 10), (5, 0, 10), (5, 10, 0)])
def test_nonsense_steps_are_refused(arguments):
    with pytest.raises(ValueError, match="positive"):
        StepLoadShape(*arguments)
