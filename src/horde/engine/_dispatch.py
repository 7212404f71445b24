"""Which user classes to run, in what order: fixed counts first, then by weight.

The order is one deterministic sequence: every ``fixed_count`` user (interleaved by
count), then an endless sequence of the weighted classes by the quota method. The
first ``n`` entries of the sequence are the users of an ``n``-user test, so any prefix
is within one user of each class's share (3:1:6 of 1,000 is exactly 300/100/600), and
ramping down removes the most recently added users first.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

__all__ = ["UserSequence", "interleave", "weighted_cycle"]


def interleave(counts: Mapping[Any, int]) -> list[Any]:
    """Each key ``count`` times, interleaved in proportion to the counts.

    Example:
        >>> "".join(interleave({"a": 3, "b": 1}))
        'aaba'
    """
    chosen = [key for key, count in counts.items() if count > 0]
    return _first_picks(chosen, [counts[key] for key in chosen], sum(counts.values()))


def _interleave_fixed(classes: Sequence[Any]) -> list[Any]:
    """All fixed-count users, interleaved in proportion to their counts."""
    return interleave({cls: cls.fixed_count for cls in classes if cls.fixed_count > 0})


def _first_picks(classes: Sequence[Any], weights: Sequence[float], count: int) -> list[Any]:
    """The first ``count`` picks of :func:`weighted_cycle`."""
    return list(itertools.islice(weighted_cycle(classes, weights), count)) if classes else []


def weighted_cycle(classes: Sequence[Any], weights: Sequence[float]) -> Iterator[Any]:
    """Pick classes forever by the quota method, so every prefix is within one of its share.

    After ``n`` picks each class has been picked ``floor(n * share)`` or
    ``ceil(n * share)`` times, for every ``n`` (Balinski and Young's quota method: of
    the classes still under their upper quota, the one with the most weight per pick
    it would then have; ties go to the one furthest behind its share). Weights are
    taken exactly, as fractions (a float as written), so no rounding drifts over a long
    run.

    Example:
        >>> list(itertools.islice(weighted_cycle("ab", [3, 1]), 8))
        ['a', 'a', 'b', 'a', 'a', 'a', 'b', 'a']

    Raises:
        ValueError: A weight is negative, or none is positive (on the first pick).
    """
    # A float is taken as written (0.1 is a tenth), not as its binary approximation.
    shares = [Fraction(repr(w)) if isinstance(w, float) else Fraction(w) for w in weights]
    denominator = math.lcm(*(share.denominator for share in shares))
    scaled = [int(share * denominator) for share in shares]
    total = sum(scaled)
    if total <= 0 or min(scaled) < 0:
        raise ValueError(f"weights must be 0 or more, and one above 0: got {list(weights)}")
    picked = [0] * len(classes)
    for n in itertools.count(1):
        best = -1
        for index, weight in enumerate(scaled):
            if picked[index] * total >= n * weight:
                continue  # one more would put it over its upper quota
            if best < 0:
                best = index
                continue
            ahead = weight * (picked[best] + 1) - scaled[best] * (picked[index] + 1)
            behind = n * (weight - scaled[best]) - (picked[index] - picked[best]) * total
            if ahead > 0 or (ahead == 0 and behind > 0):
                best = index
        picked[best] += 1
        yield classes[best]


class UserSequence:
    """The order in which users of the given classes are started.

    Args:
        user_classes: The classes to run; sorted by name so the order is reproducible.

    Raises:
        ValueError: If no class has a positive weight or fixed count.
    """

    def __init__(self, user_classes: Sequence[Any]) -> None:
        self.classes = sorted(user_classes, key=lambda cls: cls.__name__)
        self._fixed = _interleave_fixed(self.classes)
        self._weighted = [c for c in self.classes if c.fixed_count <= 0 and c.weight > 0]
        if not self._fixed and not self._weighted:
            raise ValueError("There are no users with weight > 0.")
        self._picks: list[Any] = list(self._fixed)
        self.limit: int | None = None if self._weighted else len(self._fixed)
        """How many users the classes allow: only the fixed counts when none is weighted."""

    def __getitem__(self, index: int) -> Any:
        """The class of the ``index``-th user started (0-based)."""
        self._extend(index + 1)
        return self._picks[index]

    def prefix(self, count: int) -> list[Any]:
        """The classes of the first ``count`` users."""
        self._extend(count)
        return self._picks[:count]

    def counts(self, count: int) -> dict[str, int]:
        """How many users of each class an ``count``-user test runs, by class name."""
        tally = Counter(cls.__name__ for cls in self.prefix(count))
        return {cls.__name__: tally.get(cls.__name__, 0) for cls in self.classes}

    def _extend(self, count: int) -> None:
        missing = count - len(self._picks)
        if missing <= 0 or not self._weighted:
            return
        weights = [float(c.weight) for c in self._weighted]
        # Regenerate the weighted part from its start so the sequence never depends on
        # how it was extended; cheap, since it only grows when a test adds users.
        weighted_len = len(self._picks) - len(self._fixed) + missing
        weighted_len = max(weighted_len, 2 * (len(self._picks) - len(self._fixed)))
        self._picks = self._fixed + _first_picks(self._weighted, weights, weighted_len)


def ramp_batches(current: int, target: int, spawn_rate: float) -> Iterator[tuple[int, float]]:
    """Yield ``(user_count_after_batch, seconds_to_wait_after)`` for a ramp.

    Each batch adds (or removes) ``max(1, floor(spawn_rate))`` users and is followed by a
    pause of ``batch / spawn_rate`` seconds, except the last one, as Locust paces ramps.
    """
    if not math.isfinite(spawn_rate) or spawn_rate <= 0:
        raise ValueError(f"spawn rate must be a positive number, got {spawn_rate}")
    step = max(1, math.floor(spawn_rate))
    direction = 1 if target >= current else -1
    count = current
    while count != target:
        batch = min(step, abs(target - count))
        count += direction * batch
        yield count, (0.0 if count == target else batch / spawn_rate)
