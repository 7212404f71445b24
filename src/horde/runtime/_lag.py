"""The loop-lag monitor: notices when something blocks the event loop, and names it.

A callback on the loop stamps a heartbeat about every ``interval``. A watchdog thread
checks it; when it is ``threshold`` overdue the loop is blocked, and the watchdog reads
the loop thread's current stack to say where. Blocking calls in user code (a
synchronous database driver, ``requests``, CPU-heavy work) stall every user of the
process, so the warning names the user class and line to fix.

Short blocking calls (a 5 ms query in an ``async def`` task) never stall the loop for
long, yet back to back they hold it just as surely, and every response waits behind
them. So at each wake-up the watchdog also looks at what the loop thread runs: user
code with no horde code inside it is holding the loop. Those samples add up to the time
held and name the code found most often; when they take a quarter of a warning window,
the warning says so. The watchdog can look only when the loop thread lets go of the GIL:
a blocking call does, so it is seen. A busy thread keeps the GIL for the switch
interval, so the monitor shortens it while it runs, and a call that merely passes (a
``stat``) lets go too, so each hold found is confirmed by a second look. Holds under
about a millisecond go uncounted: the CPU monitor speaks of such work.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import sys
import sysconfig
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType

from horde.runtime._sleep import _real_sleep, sleep

__all__ = [
    "BLOCKING_ADVICE",
    "LOOP_HELD_SHARE",
    "LOOP_OVERLOADED",
    "LoopFigures",
    "LoopLagMonitor",
    "describe_frame",
    "user_code_at_work",
]

logger = logging.getLogger("horde.runtime")

FrameDescriber = Callable[[FrameType], str]


# The standard library and installed packages, by path (real and as given).
_LIBRARIES = tuple(
    {
        form
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        for form in (sysconfig.get_paths()[key], os.path.realpath(sysconfig.get_paths()[key]))
    }
)
# horde's time.sleep, which sleeps for real outside sync tasks: the user's sleep.
_REAL_SLEEP_CALLER = sleep.__code__

# How long after finding user code holding the loop the watchdog looks again: a hold is
# user code still there, in the same frame.
_SECOND_LOOK_S = 0.0002
# The GIL switch interval while the monitor runs (seconds).
_SWITCH_INTERVAL = 0.0005

#: A loop held by user code for this share of a warning window gets a warning; of the
#: whole run, a caution at the end.
LOOP_HELD_SHARE = 0.25

BLOCKING_ADVICE = (
    "In async def tasks, await asyncio.sleep() rather than time.sleep(), and run other "
    "blocking calls with await asyncio.to_thread(fn, ...); in sync tasks, wrap them in "
    "horde.run_blocking(fn, ...)."
)


LOOP_OVERLOADED = (
    "the event loop itself (no user code was running: the process has more work than one "
    "core can do)"
)


def _is_horde(frame: FrameType) -> bool:
    """Whether ``frame`` runs horde's code: known by module name, wherever its files are
    (a symlinked path)."""
    module = str(frame.f_globals.get("__name__", ""))
    return module == "horde" or module.startswith("horde.")


def _is_library(frame: FrameType) -> bool:
    filename = frame.f_code.co_filename
    return filename.startswith(_LIBRARIES) or filename.startswith("<")


def _callers(frame: FrameType) -> Iterator[FrameType]:
    """``frame`` and its callers, innermost first, without the outermost: the script that
    started the loop, never user code at work."""
    current: FrameType | None = frame
    while current is not None and current.f_back is not None:
        yield current
        current = current.f_back


def describe_frame(frame: FrameType) -> str:
    """Name the innermost frame of the user's own code (a locustfile, most likely).

    When only the outermost frame (the script that started the loop) is outside horde
    and libraries, the loop was busy with its own work, not blocked by user code.
    """
    for current in _callers(frame):
        if not (_is_horde(current) or _is_library(current)):
            code = current.f_code
            return f"{code.co_filename}:{current.f_lineno} in {code.co_name}"
    return LOOP_OVERLOADED


def user_code_at_work(frame: FrameType) -> FrameType | None:
    """The frame of user code that ``frame`` (a thread's innermost) runs in, if no horde
    code runs inside it: the user's own work, or a library it called, holding the loop.
    None while horde works (sending requests for a task) or the loop waits for events."""
    for current in _callers(frame):
        if _is_horde(current) and current.f_code is not _REAL_SLEEP_CALLER:
            return None
        if not _is_library(current):
            return current
    return None


@dataclass(frozen=True, slots=True)
class LoopFigures:
    """How much one process's event loop was blocked.

    Attributes:
        stalls: Times it was found blocked beyond the threshold.
        max_lag_ms: The longest delay of its heartbeat.
        blocked_s: The stalls' time added up.
        held_s: The time user code held the loop (sampled), stalls included.
        watched_s: How long the loop was watched.
        held_by: The user code found holding the loop most often ("" when none was).
    """

    stalls: int = 0
    max_lag_ms: float = 0.0
    blocked_s: float = 0.0
    held_s: float = 0.0
    watched_s: float = 0.0
    held_by: str = ""

    @property
    def held_share(self) -> float:
        """The share of the watched time that user code held the loop."""
        return self.held_s / self.watched_s if self.watched_s > 0 else 0.0


class LoopLagMonitor:
    """Measures event-loop lag and warns when the loop is blocked or held by user code.

    Args:
        threshold: A stall longer than this (seconds) is reported.
        interval: How often, on average, the heartbeat runs and the watchdog looks
            (seconds); both are jittered, so neither locks onto the phase of work that
            recurs at a fixed period.
        describe: Turns the blocked thread's frame into a description for the warning.
        warning_interval: At most one warning per this many seconds; the stalls in between
            are counted in the next one.
    """

    def __init__(
        self,
        threshold: float = 0.2,
        interval: float = 0.05,
        describe: FrameDescriber = describe_frame,
        warning_interval: float = 10.0,
    ) -> None:
        self.threshold = threshold
        self.interval = interval
        self.describe = describe
        self.max_lag = 0.0
        """Largest heartbeat delay seen since the start (or :meth:`restart`), in seconds."""
        self.stalls = 0
        """How many times the loop was found blocked beyond the threshold."""
        self.blocked = 0.0
        """The stalls' heartbeat delays added up, in seconds."""
        self.held = 0.0
        """The time user code was found holding the loop, in seconds (sampled)."""
        self.held_by: Counter[str] = Counter()
        """The user code found holding the loop, and how often."""
        self.warning_interval = warning_interval
        self.crowded: Callable[[], bool] = lambda: True
        """Whether a hold now would delay someone else: other users are running. The held
        time counts only then: a lone user's own blocking call (a ``-u 1`` run) delays
        nobody. Called from the watchdog thread (an error counts as crowded)."""
        self._started = time.monotonic()
        self._stopped: float | None = None
        self._due = self._started
        self._loop_thread_id = 0
        self._handle: asyncio.TimerHandle | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the heartbeat on the running loop and the watchdog thread (once)."""
        loop = asyncio.get_running_loop()
        if self._thread is not None:
            return
        self._loop_thread_id = threading.get_ident()
        self._started = time.monotonic()
        _SWITCH.shorten()
        self._schedule(loop, self._started)
        self._thread = threading.Thread(target=self._watch, name="horde-lag-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the heartbeat and the watchdog."""
        if self._thread is None or self._stop.is_set():
            return
        self._stopped = time.monotonic()
        self._stop.set()
        _SWITCH.restore()
        if self._handle is not None:
            self._handle.cancel()
        self._thread.join(timeout=1)

    def restart(self) -> None:
        """Count from now on (a worker's test starts: its wait for it was no load)."""
        self.max_lag, self.stalls, self.blocked, self.held = 0.0, 0, 0.0, 0.0
        self.held_by = Counter()
        self._started = time.monotonic()

    def held_since(self) -> float | None:
        """Since when the loop has been blocked (``time.monotonic()``): when its overdue
        heartbeat fell due; None while it turns, or when the monitor is not running. The
        same value for the whole of one stall. Safe from any thread and signal handler."""
        due = self._due
        if self._thread is None or self._stop.is_set() or time.monotonic() <= due:
            return None
        return due

    def figures(self) -> LoopFigures:
        """The stalls, the longest lag, the time blocked and held, so far."""
        found = dict(self.held_by)  # one step: the watchdog thread adds to it meanwhile
        return LoopFigures(
            self.stalls,
            round(self.max_lag * 1000, 1),
            round(self.blocked, 3),
            round(self.held, 3),
            round((self._stopped or time.monotonic()) - self._started, 3),
            max(found, key=found.__getitem__, default=""),
        )

    def _schedule(self, loop: asyncio.AbstractEventLoop, now: float) -> None:
        delay = _jittered(self.interval)
        self._due = now + delay
        self._handle = loop.call_later(delay, self._tick, loop)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        now = time.monotonic()
        lag = now - self._due
        self.max_lag = max(self.max_lag, lag)
        if lag >= self.threshold:
            self.blocked += lag
        if not self._stop.is_set():
            self._schedule(loop, now)

    def _watch(self) -> None:
        reported_due = 0.0
        quiet_until = 0.0  # warnings are rate-limited; stalls in between are counted
        unreported = 0
        last = time.monotonic()
        window = _HoldWindow(last)
        while not self._stop.wait(_jittered(self.interval)):
            now = time.monotonic()
            self._sample(window, now - last)
            last = now
            if now - window.start >= self.warning_interval:
                if now >= quiet_until and self._warn_of_holds(window, now):
                    quiet_until = now + self.warning_interval
                window = _HoldWindow(now)
            due = self._due
            overdue = now - due
            if overdue < self.threshold or due == reported_due:
                continue
            reported_due = due  # one count per stall
            self.stalls += 1
            if now < quiet_until:
                unreported += 1
                continue
            frame = self._frame()
            stalls = "stall" if unreported == 1 else "stalls"
            also = f" ({unreported} more {stalls} since the last warning)" if unreported else ""
            logger.warning(
                "The event loop was blocked for over %d ms by %s%s. Every user in this "
                "process waits meanwhile: requests start late, and HTTPS response times "
                "include the wait. %s",
                overdue * 1000,
                self._describe(frame),
                also,
                BLOCKING_ADVICE,
            )
            unreported = 0
            quiet_until = time.monotonic() + self.warning_interval

    def _frame(self) -> FrameType | None:
        return sys._current_frames().get(self._loop_thread_id)

    def _describe(self, frame: FrameType | None) -> str:
        """Describe ``frame``; reading user objects (``self`` of a frame) may raise, and
        must not end the watchdog."""
        if frame is None:
            return "unknown code"
        try:
            return self.describe(frame)
        except Exception:
            logger.debug("The loop-lag watchdog could not describe a frame", exc_info=True)
            return "unknown code"

    def _holder(self) -> FrameType | None:
        frame = self._frame()
        return user_code_at_work(frame) if frame is not None else None

    def _sample(self, window: _HoldWindow, span: float) -> None:
        """Count ``span`` (since the last look) as held if user code holds the loop now,
        and still a moment later.

        The second look tells a hold from a passing call: the watchdog gets the GIL when
        the loop thread lets go of it, so a busy loop's cheap system calls (a ``stat``, a
        log line's write) are where it would look most often, out of all proportion.
        """
        holder = self._holder()
        if holder is None or not self._crowded():
            return
        _real_sleep(_SECOND_LOOK_S)
        if self._holder() is not holder:
            return
        where = self._describe(holder)
        if where == LOOP_OVERLOADED:
            return  # no user code in it after all
        self.held += span
        self.held_by[where] += 1
        window.held += span
        window.held_by[where] += 1

    def _crowded(self) -> bool:
        try:
            return self.crowded()
        except Exception:  # read from this thread while the loop's thread changes it
            return True

    def _warn_of_holds(self, window: _HoldWindow, now: float) -> bool:
        """Warn when user code held the loop a quarter of the window; say whether it did."""
        span = now - window.start
        if window.held < LOOP_HELD_SHARE * span:
            return False
        logger.warning(
            "User code held the event loop for %.1f s of the last %.0f s, most often %s. "
            "Every other user waits behind it: requests start late, and HTTPS response times "
            "include the wait. "
            "%s",
            window.held,
            span,
            window.held_by.most_common(1)[0][0],
            BLOCKING_ADVICE,
        )
        return True


class _SwitchInterval:
    """The GIL switch interval, shortened while any monitor runs and restored after the
    last: the watchdog looks when the loop thread lets go of the GIL, and by default a
    busy thread keeps it 5 ms, long enough to hide the user's short bursts of work."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved = sys.getswitchinterval()

    def shorten(self) -> None:
        with self._lock:
            if self._users == 0:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self._saved, _SWITCH_INTERVAL))
            self._users += 1

    def restore(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                sys.setswitchinterval(self._saved)


_SWITCH = _SwitchInterval()


def _jittered(interval: float) -> float:
    return interval * random.uniform(0.5, 1.5)


@dataclass(slots=True)
class _HoldWindow:
    """What the watchdog found holding the loop since ``start``, for one warning."""

    start: float
    held: float = 0.0
    held_by: Counter[str] = field(default_factory=Counter)
