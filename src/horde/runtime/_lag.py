"""The loop-lag monitor: notices when something blocks the event loop, and names it.

A callback on the loop stamps a heartbeat every ``interval``. A watchdog thread checks
the stamp; when it is older than ``threshold`` the loop is blocked, and the watchdog
reads the loop thread's current stack to say where. Blocking calls in user code (a
synchronous database driver, ``requests``, CPU-heavy work) stall every user of the
process, so the warning names the user class and line to fix.

Short blocking calls (a 5 ms query in an ``async def`` task) never stall the loop for
long, yet back to back they hold it just as surely. So every heartbeat late by ``hold``
or more counts toward the time the loop was held up, and while it is late the watchdog
samples where the loop thread is: when short holds add up to a tenth of a warning
window, the warning names the code found most often.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
import sysconfig
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

__all__ = ["LOOP_OVERLOADED", "LoopFigures", "LoopLagMonitor", "describe_frame"]

logger = logging.getLogger("horde.runtime")

FrameDescriber = Callable[[FrameType], str]


# Code that is not the user's: horde itself, the standard library, installed packages.
_NOT_USER_CODE = tuple(
    {
        str(Path(__file__).resolve().parent.parent),
        *(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")),
    }
)


LOOP_OVERLOADED = (
    "the event loop itself (no user code was running: the process has more work than one "
    "core can do)"
)


def describe_frame(frame: FrameType) -> str:
    """Name the innermost frame of the user's own code (a locustfile, most likely).

    The outermost frame is the script that started the loop: when it is the only one
    outside libraries, the loop was busy with its own work, not blocked by user code.
    """
    stack = traceback.extract_stack(frame)
    for entry in reversed(stack[1:]):
        if entry.filename.startswith(_NOT_USER_CODE) or entry.filename.startswith("<"):
            continue
        return f"{entry.filename}:{entry.lineno} in {entry.name}"
    return LOOP_OVERLOADED


@dataclass(frozen=True, slots=True)
class LoopFigures:
    """How much one process's event loop was blocked.

    Attributes:
        stalls: Times it was found blocked beyond the threshold.
        max_lag_ms: The longest delay of its heartbeat.
        blocked_s: The heartbeat's delays of ``hold`` or more added up: the time every
            user waited on something else.
        held_by: The code the loop was found running most often while held up ("" when
            never found).
    """

    stalls: int = 0
    max_lag_ms: float = 0.0
    blocked_s: float = 0.0
    held_by: str = ""


class LoopLagMonitor:
    """Measures event-loop lag and warns when the loop is blocked.

    Args:
        threshold: A stall longer than this (seconds) is reported.
        interval: How often the heartbeat runs (seconds).
        describe: Turns the blocked thread's frame into a description for the warning.
        warning_interval: At most one warning per this many seconds; the stalls in between
            are counted in the next one.
        hold: A heartbeat this late (seconds) means the loop was held up: the delay counts
            toward ``blocked``, and the watchdog samples where the loop is.
    """

    def __init__(
        self,
        threshold: float = 0.2,
        interval: float = 0.05,
        describe: FrameDescriber = describe_frame,
        warning_interval: float = 10.0,
        hold: float = 0.02,
    ) -> None:
        self.threshold = threshold
        self.interval = interval
        self.describe = describe
        self.hold = hold
        self.max_lag = 0.0
        """Largest heartbeat delay seen since the last :meth:`take_max_lag`, in seconds."""
        self.stalls = 0
        """How many times the loop was found blocked beyond the threshold."""
        self.blocked = 0.0
        """The heartbeat's delays of ``hold`` or more added up, in seconds."""
        self.held_by: Counter[str] = Counter()
        """Where the watchdog found the loop while it was held up, and how often."""
        self.warning_interval = warning_interval
        self._beat = time.monotonic()
        self._loop_thread_id = 0
        self._handle: asyncio.TimerHandle | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the heartbeat on the running loop and the watchdog thread."""
        self._loop_thread_id = threading.get_ident()
        self._beat = time.monotonic()
        self._schedule(asyncio.get_running_loop(), self._beat)
        self._thread = threading.Thread(target=self._watch, name="horde-lag-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the heartbeat and the watchdog."""
        self._stop.set()
        if self._handle is not None:
            self._handle.cancel()
        if self._thread is not None:
            self._thread.join(timeout=1)

    def take_max_lag(self) -> float:
        """Return the largest lag seen since the previous call, and start over."""
        lag, self.max_lag = self.max_lag, 0.0
        return lag

    def figures(self) -> LoopFigures:
        """The stalls, the longest lag and the time blocked, so far."""
        found = dict(self.held_by)  # one step: the watchdog thread adds to it meanwhile
        return LoopFigures(
            self.stalls,
            round(self.max_lag * 1000, 1),
            round(self.blocked, 3),
            max(found, key=found.__getitem__, default=""),
        )

    def _schedule(self, loop: asyncio.AbstractEventLoop, expected: float) -> None:
        self._handle = loop.call_later(self.interval, self._tick, loop, expected + self.interval)

    def _tick(self, loop: asyncio.AbstractEventLoop, expected: float) -> None:
        now = time.monotonic()
        lag = now - expected
        self.max_lag = max(self.max_lag, lag)
        if lag >= self.hold:
            self.blocked += lag
        self._beat = now
        if not self._stop.is_set():
            self._schedule(loop, now)

    def _watch(self) -> None:
        reported_beat = 0.0
        quiet_until = 0.0  # warnings are rate-limited; stalls in between are counted
        unreported = 0
        window = _HoldWindow(time.monotonic(), self.blocked)
        # Jittered wake-ups: at a fixed period the samples would lock onto the phase of
        # holds that recur at a fixed period, and always miss them.
        while not self._stop.wait(self.interval * random.uniform(0.5, 1.5)):
            now = time.monotonic()
            beat = self._beat
            stalled_for = now - beat
            # A hold shorter than the heartbeat's interval is overdue only briefly: sample
            # from a quarter of ``hold`` on, or short holds would rarely be caught.
            if stalled_for >= self.interval + self.hold / 4:
                where = self._where()
                self.held_by[where] += 1
                window.held_by[where] += 1
            if now - window.start >= self.warning_interval:
                if now >= quiet_until and self._warn_of_holds(window, now):
                    quiet_until = now + self.warning_interval
                window = _HoldWindow(now, self.blocked)
            if stalled_for < self.threshold or beat == reported_beat:
                continue
            reported_beat = beat  # one count per stall
            self.stalls += 1
            if now < quiet_until:
                unreported += 1
                continue
            also = f" ({unreported} more stalls since the last warning)" if unreported else ""
            logger.warning(
                "The event loop was blocked for over %d ms by %s%s. Every user in this "
                "process waits meanwhile, so response times are inflated. %s",
                stalled_for * 1000,
                self._where(),
                also,
                _ADVICE,
            )
            unreported = 0
            quiet_until = time.monotonic() + self.warning_interval

    def _where(self) -> str:
        frame = sys._current_frames().get(self._loop_thread_id)
        return self.describe(frame) if frame is not None else "unknown code"

    def _warn_of_holds(self, window: _HoldWindow, now: float) -> bool:
        """Warn when short holds took a tenth of the window; say whether it did."""
        span = now - window.start
        held = self.blocked - window.blocked
        if held < span / 10 or not window.held_by:
            return False
        where = window.held_by.most_common(1)[0][0]
        if where == LOOP_OVERLOADED:
            return False  # no code to name: the CPU warning speaks of an overloaded process
        logger.warning(
            "The event loop was held up for %.1f s of the last %.0f s, by short blocking "
            "calls in %s. Every user in this process waits meanwhile, so response times "
            "are inflated. %s",
            held,
            span,
            where,
            _ADVICE,
        )
        return True


_ADVICE = (
    "In sync tasks time.sleep() lets the others run, in async def tasks await instead; wrap "
    "other blocking calls in horde.run_blocking(), or run fewer users per process."
)


@dataclass(slots=True)
class _HoldWindow:
    """The watchdog's count of short holds since ``start``, for one warning."""

    start: float
    blocked: float
    held_by: Counter[str] = field(default_factory=Counter)
