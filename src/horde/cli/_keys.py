"""Keys that change a running headless test's load from its terminal, as in Locust: ``w``
and ``W`` add 1 and 10 users, ``s`` and ``S`` take 1 and 10 away.

Only when standard input is a terminal, which is put in cbreak mode (keys arrive one by
one, unechoed) for the run and restored after it. The open model has no users to add:
there the keys do nothing.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import signal
import sys
import termios
import tty
from collections.abc import Iterator
from typing import Any

from horde.engine import STATE_SPAWNING

__all__ = ["keyboard_control"]

logger = logging.getLogger("horde.main")

_STEPS = {"w": 1, "W": 10, "s": -1, "S": -10}
_SPAWN_RATE = 100.0
"""Users a second for a change asked from the keyboard (Locust's)."""


@contextlib.contextmanager
def keyboard_control(runner: Any) -> Iterator[None]:
    """Within the block, the keys change ``runner``'s users (see the module)."""
    fd = _terminal()
    if fd is None or runner.arrivals is not None:
        yield
        return
    try:
        saved = termios.tcgetattr(fd)
        tty.setcbreak(fd, termios.TCSANOW)
    except termios.error:
        saved = None
    if saved is None:
        yield
        return

    def restore() -> None:
        # Typed keys are dropped, not left for the shell; a run sent to the background
        # meanwhile (Ctrl-Z, bg) would be stopped by SIGTTOU here, were it not ignored.
        previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        try:
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
        finally:
            signal.signal(signal.SIGTTOU, previous)

    atexit.register(restore)  # however the process ends, short of a kill
    loop = asyncio.get_running_loop()
    loop.add_reader(fd, _read_keys, fd, runner, loop)
    try:
        yield
    finally:
        loop.remove_reader(fd)
        restore()
        atexit.unregister(restore)


def _terminal() -> int | None:
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, ValueError, OSError):
        return None  # no stdin, or a replaced one
    if not os.isatty(fd):
        return None
    try:  # a background job that set the terminal's mode would be stopped (SIGTTOU)
        return fd if os.tcgetpgrp(fd) == os.getpgrp() else None
    except OSError:
        return None


def _read_keys(fd: int, runner: Any, loop: asyncio.AbstractEventLoop) -> None:
    try:
        keys = os.read(fd, 64).decode(errors="ignore")
    except OSError:
        keys = ""
    if not keys:  # the terminal went away
        loop.remove_reader(fd)
        return
    for key in keys:
        step = _STEPS.get(key)
        if step is None:
            continue
        if runner.state == STATE_SPAWNING:
            logger.warning(
                "Already spawning users, can't spawn more right now"
                if step > 0
                else "Spawning users, can't stop right now"
            )
            continue
        runner.start(max(0, runner.user_count + step), _SPAWN_RATE)
