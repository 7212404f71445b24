import pytest
from hypothesis import given
from hypothesis import strategies as st

from horde.engine import UserSequence, ramp_batches
from horde.engine._dispatch import weighted_cycle


def make_class(name, weight=1, fixed_count=0):
    return type(name, (), {"weight": weight, "fixed_count": fixed_count})


def test_weights_3_1_6_of_1000_are_exact():
    classes = [make_class("A", 3), make_class("B", 1), make_class("C", 6)]
    assert UserSequence(classes).counts(1000) == {"A": 300, "B": 100, "C": 600}


def test_fixed_count_users_come_first():
    classes = [make_class("A", 3), make_class("F", fixed_count=2)]
    sequence = UserSequence(classes)
    assert [c.__name__ for c in sequence.prefix(4)][:2] == ["F", "F"]
    assert sequence.counts(10) == {"A": 8, "F": 2}


def test_no_positive_weight_is_an_error():
    with pytest.raises(ValueError, match="weight > 0"):
        UserSequence([make_class("A", 0)])


@given(
    weights=st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=6),
    count=st.integers(min_value=0, max_value=400),
)
def test_every_prefix_is_within_one_user_of_its_share(weights, count):
    classes = [make_class(f"C{i}", w) for i, w in enumerate(weights)]
    counts = UserSequence(classes).counts(count)
    total = sum(weights)
    for cls, weight in zip(classes, weights, strict=True):
        assert abs(counts[cls.__name__] - count * weight / total) < 1 + 1e-9
    assert sum(counts.values()) == count


def test_many_classes_stay_within_one_user_at_every_count():
    # Smooth weighted round-robin put one weight-17 class at 5 of its 6.02 share here.
    weights = [2, 2, 2, 8, 17, 17]
    sequence = UserSequence([make_class(f"C{i}", w) for i, w in enumerate(weights)])
    for count in range(400):
        counts = sequence.counts(count)
        for i, weight in enumerate(weights):
            assert abs(counts[f"C{i}"] - count * weight / sum(weights)) < 1


def test_fractional_weights_stay_within_one_user_at_every_count():
    weights = [0.2, 0.2, 0.2, 0.8, 1.7, 1.7]  # the case above, in tenths
    sequence = UserSequence([make_class(f"C{i}", w) for i, w in enumerate(weights)])
    for count in range(400):
        counts = sequence.counts(count)
        for i, weight in enumerate(weights):
            assert abs(counts[f"C{i}"] - count * weight / sum(weights)) < 1


@pytest.mark.parametrize("weights", [[0, 0], [3, -1], []])
def test_weights_that_allow_no_pick_are_refused(weights):
    with pytest.raises(ValueError, match="weights must be"):
        next(weighted_cycle("ab"[: len(weights)], weights))


def test_sequence_does_not_depend_on_how_it_grew():
    classes = [make_class("A", 5), make_class("B", 2)]
    grown = UserSequence(classes)
    for n in (1, 3, 10, 50):
        grown.prefix(n)
    assert grown.prefix(200) == UserSequence(classes).prefix(200)


@pytest.mark.parametrize(
    ("current", "target", "rate", "expected"),
    [
        (0, 7, 3, [(3, 1.0), (6, 1.0), (7, 0.0)]),
        (0, 2, 0.5, [(1, 2.0), (2, 0.0)]),
        (10, 4, 5, [(5, 1.0), (4, 0.0)]),
        (3, 3, 1, []),
    ],
)
def test_ramp_batches_pace_like_locust(current, target, rate, expected):
    assert list(ramp_batches(current, target, rate)) == expected


@pytest.mark.parametrize("rate", [0, -1, float("inf"), float("nan")])
def test_ramp_rejects_bad_rates(rate):
    with pytest.raises(ValueError, match="spawn rate"):
        list(ramp_batches(0, 1, rate))
