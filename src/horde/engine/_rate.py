"""The open model's arrival rate: its grammar, its plateaus, and when each iteration is due.

``200/s``, ``600/m`` or a ramp ``50/s..500/s`` (linear over the run, or in plateaus of
``--step-time``). :class:`Schedule` turns a rate into due times: the integral of the
rate and its inverse, exact for every shape of ramp.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass

__all__ = ["MAX_RATE_PER_S", "ArrivalRate", "RatePlateau", "Schedule"]

#: The highest rate accepted: more iterations a second than any set of generators starts.
MAX_RATE_PER_S = 10_000_000.0
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_RATE = re.compile(r"^\s*((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?:/\s*([smh]))?\s*$")


def _per_second(part: str, text: str) -> float:
    """The rate ``part`` of ``text`` (the whole option value, which errors quote)."""
    if not part.strip() and ".." in text:
        raise ValueError(
            f"invalid arrival rate {text!r}: a ramp needs a rate on each side of '..', "
            "such as 50/s..500/s"
        )
    match = _RATE.match(part)
    if match is None:
        if part.strip().startswith("-"):
            raise ValueError(f"invalid arrival rate {text!r}: it must be more than 0")
        raise ValueError(
            f"invalid arrival rate {text!r}: write iterations per second, minute or hour, "
            "such as 200/s, 600/m or 50"
        )
    value = float(match.group(1)) / _UNITS[match.group(2) or "s"]
    if value <= 0:
        raise ValueError(f"invalid arrival rate {text!r}: it must be more than 0")
    if value > MAX_RATE_PER_S:
        raise ValueError(
            f"invalid arrival rate {text!r}: at most {MAX_RATE_PER_S:,.0f}/s can be scheduled"
        )
    return value


def _plateau_count(duration: float, step_s: float) -> int:
    """How many plateaus a stepped ramp has: one per ``step_s``, the last one taking the
    rest of the run, and at least two when the run outlasts one step."""
    nearest = math.floor(duration / step_s + 0.5)  # halves up, not to even
    return max(nearest, 2 if duration > step_s else 1)


@dataclass(frozen=True, slots=True)
class ArrivalRate:
    """Iterations per second, constant or ramping from ``start`` to ``end``.

    Example:
        >>> ArrivalRate.parse("50/s..500/s")
        ArrivalRate(start=50.0, end=500.0)
        >>> ArrivalRate.parse("600/m").end
        10.0
    """

    start: float
    end: float

    @classmethod
    def parse(cls, text: str) -> ArrivalRate:
        """Parse ``R`` or ``A..B`` with each rate like ``200/s``, ``600/m`` or ``50``.

        Raises:
            ValueError: the text is not a rate or a ramp of two, or a rate is not positive.
        """
        parts = text.split("..")
        if len(parts) > 2 or "..." in text:
            raise ValueError(
                f"invalid arrival rate {text!r}: give one rate, or a ramp of two such as "
                "50/s..500/s"
            )
        start = _per_second(parts[0], text)
        return cls(start, _per_second(parts[-1], text))

    def share(self, fraction: float) -> ArrivalRate:
        """This rate scaled by ``fraction`` (one worker's part of it)."""
        return ArrivalRate(self.start * fraction, self.end * fraction)

    @property
    def ramps(self) -> bool:
        """Whether the rate changes over the run."""
        return self.start != self.end

    def plateaus(
        self, duration: float | None, step_s: float | None, began: float, now: float
    ) -> list[RatePlateau]:
        """The plateaus a schedule begun at ``began`` has reached by ``now`` (epoch
        seconds): a constant rate is one, a ramp in steps over a known duration one per
        step, and a linear ramp none."""
        if not self.ramps:
            return [RatePlateau(self.start, began)]
        if not (step_s and duration):
            return []
        plateaus: list[RatePlateau] = []
        elapsed = 0.0
        while elapsed < duration and began + elapsed <= now:
            rate = self.at(elapsed, duration, step_s)
            if not plateaus or plateaus[-1].rate != rate:
                if plateaus:
                    plateaus[-1].end = began + elapsed
                plateaus.append(RatePlateau(rate, began + elapsed))
            elapsed += step_s
        return plateaus

    def at(self, elapsed: float, duration: float | None, step_s: float | None = None) -> float:
        """The rate ``elapsed`` seconds into a run of ``duration`` seconds.

        A ramp climbs linearly over the run, or, with ``step_s``, in plateaus of that
        length (the first at ``start``, the last at ``end``).
        """
        if not self.ramps or not duration:
            return self.start
        if step_s:
            plateaus = _plateau_count(duration, step_s)
            return self.level(min(int(elapsed // step_s), plateaus - 1), plateaus)
        share = min(max(elapsed / duration, 0.0), 1.0)
        return self.start + (self.end - self.start) * share

    def level(self, index: int, plateaus: int) -> float:
        """The rate of plateau ``index`` (from 0) of a ramp climbed in ``plateaus`` steps."""
        if plateaus <= 1:
            return self.start
        return self.start + (self.end - self.start) * index / (plateaus - 1)


@dataclass(slots=True)
class RatePlateau:
    """One plateau of a stepped arrival rate, for the degradation analysis.

    Attributes:
        rate: Iterations per second.
        start: Epoch seconds when it began.
        end: Epoch seconds when the next began; None while it lasts.
    """

    rate: float
    start: float
    end: float | None = None


class Schedule:
    """When each iteration of a rate is due: the integral of the rate, and its inverse.

    The rate is piecewise linear in time (a constant, a linear ramp then its end rate, or
    plateaus), so the iterations due by a moment, and the moment the n-th one is due, have
    closed forms on each piece. Stepping by ``1 / rate`` instead would take the rate of
    the moment for the whole gap: from a low start rate one gap can jump over a ramp.
    """

    __slots__ = ("_begins", "_counts", "_pieces")

    def __init__(self, rate: ArrivalRate, duration: float | None, step_s: float | None) -> None:
        # Each piece: (begin in seconds, iterations due before it, rate at begin, slope).
        pieces: list[tuple[float, float, float, float]] = []
        if not rate.ramps or not duration:
            pieces.append((0.0, 0.0, rate.start, 0.0))
        elif step_s:
            due = 0.0
            plateaus = _plateau_count(duration, step_s)
            for index in range(plateaus):
                level = rate.level(index, plateaus)
                pieces.append((index * step_s, due, level, 0.0))
                due += level * step_s
        else:
            slope = (rate.end - rate.start) / duration
            pieces.append((0.0, 0.0, rate.start, slope))
            pieces.append((duration, (rate.start + rate.end) / 2 * duration, rate.end, 0.0))
        self._pieces = pieces
        self._begins = [piece[0] for piece in pieces]
        self._counts = [piece[1] for piece in pieces]

    def due_by(self, elapsed: float) -> float:
        """How many iterations are due in the first ``elapsed`` seconds (a fraction)."""
        begin, due, level, slope = self._pieces[max(bisect_right(self._begins, elapsed) - 1, 0)]
        t = elapsed - begin
        return due + level * t + slope * t * t / 2

    def time_of(self, count: float) -> float:
        """The elapsed seconds by which ``count`` iterations are due."""
        begin, due, level, slope = self._pieces[max(bisect_right(self._counts, count) - 1, 0)]
        left = count - due
        if slope == 0.0:
            return begin + left / level
        # level * t + slope * t**2 / 2 = left, solved in the form that stays exact when
        # the slope is tiny.
        return begin + 2 * left / (level + math.sqrt(max(level * level + 2 * slope * left, 0.0)))
