"""Breaking a call that holds the event loop when the run has to end.

A blocking call in user code that never returns (a socket read with no timeout, say)
holds the loop: the run-time timer, Ctrl-C and SIGTERM all wait for the loop, so the run
could only be killed, and its files were lost. Under gevent the same call yields, and
stopping the user ends it. Here, when the run has to end and user code has held the loop
for ``patience`` seconds, a signal handler raises :class:`BlockingCallInterrupted` in
it: the user stops (the traceback names the call), the loop turns, and the stop goes on
as usual. horde's own code is never interrupted: a long final flush is left to finish.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from types import FrameType
from typing import Any

from horde.exceptions import BlockingCallInterrupted
from horde.runtime._lag import LoopLagMonitor, user_code_at_work

__all__ = ["LoopBreaker"]

_TIMER_SIGNAL = signal.SIGALRM
#: Stop signals that may come while one stall lasts before the process just dies: the
#: user asked thrice, and the call took no notice.
_SIGNALS_BEFORE_DYING = 3


class LoopBreaker:
    """Interrupts user code holding the loop when a stop signal comes or the run time
    ends, and again every ``patience`` seconds while it holds on.

    Made and closed on the loop's thread (signal handlers can only be set there).

    Args:
        monitor: The loop's lag monitor, which tells how long the loop has been held.
        patience: How long the loop must have been held before its call is interrupted.
    """

    def __init__(self, monitor: LoopLagMonitor, patience: float = 1.0) -> None:
        self._monitor = monitor
        self._patience = patience
        self._replaced: dict[int, Any] = {}
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._stall: float | None = None  # the stall the signals below came in
        self._signals = 0

    def on_signals(self, *signals: signal.Signals) -> None:
        """Interrupt a holding call when one of ``signals`` comes (after the handlers
        already installed have run: the loop's own still sees the signal)."""
        for signum in signals:
            previous = signal.getsignal(signum)
            self._replaced.setdefault(signum, previous)

            def handler(number: int, frame: FrameType | None, previous: Any = previous) -> None:
                if callable(previous):
                    previous(number, frame)
                self._count_signal(number)
                self._interrupt(f"{signal.Signals(number).name} came", frame)

            signal.signal(signum, handler)

    def after(self, seconds: float) -> None:
        """Interrupt a holding call once ``seconds`` have passed (the run time), and
        every ``patience`` seconds while the loop stays held, until closed."""
        self._replaced.setdefault(_TIMER_SIGNAL, signal.getsignal(_TIMER_SIGNAL))
        signal.signal(_TIMER_SIGNAL, lambda _n, frame: self._interrupt("the run time ended", frame))
        loop_thread = threading.get_ident()

        def watch() -> None:
            if self._closed.wait(seconds):
                return
            while not self._closed.wait(self._patience):
                if self._held_since() is not None:
                    signal.pthread_kill(loop_thread, _TIMER_SIGNAL)

        self._thread = threading.Thread(target=watch, name="horde-loop-breaker", daemon=True)
        self._thread.start()

    def _held_since(self) -> float | None:
        """Since when the loop has been held, if for ``patience`` or more."""
        since = self._monitor.held_since()
        if since is None or self._closed.is_set() or time.monotonic() - since < self._patience:
            return None
        return since

    def _count_signal(self, number: int) -> None:
        """The third stop signal of one stall ends the process, as an unhandled one would."""
        since = self._held_since()
        if since is None:
            return
        if since != self._stall:
            self._stall, self._signals = since, 0
        self._signals += 1
        if self._signals >= _SIGNALS_BEFORE_DYING:
            signal.signal(number, signal.SIG_DFL)
            os.kill(os.getpid(), number)

    def _interrupt(self, why: str, frame: FrameType | None) -> None:
        since = self._held_since()
        if since is not None and frame is not None and user_code_at_work(frame) is not None:
            raise BlockingCallInterrupted(
                f"{why} while this call had held the event loop for "
                f"{time.monotonic() - since:.1f} s: it was interrupted so that the run can "
                "stop (give it a timeout, or run it with horde.run_blocking)"
            )

    def close(self) -> None:
        """Stop watching and put the replaced signal handlers back."""
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        for signum, previous in self._replaced.items():
            signal.signal(signum, previous)
        self._replaced.clear()
