"""Keys on the terminal change a headless test's users, as in Locust; the terminal is
given back as it was."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import subprocess
import termios
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

IDLE = """
from locust import User, constant, task


class Idle(User):
    wait_time = constant(0.1)

    @task
    def nothing(self):
        pass
"""


@pytest.fixture
def terminal():
    controller, terminal = pty.openpty()
    yield controller, terminal
    os.close(controller)
    os.close(terminal)


def _take_as_controlling_terminal(tty: int) -> None:
    """In the child: a session of its own, whose foreground the terminal is (as a shell's
    foreground job's)."""
    os.setsid()
    fcntl.ioctl(tty, termios.TIOCSCTTY, 0)


def _until_cbreak(tty: int, before: list, process: subprocess.Popen[str]) -> list:
    """The terminal's mode once the run has taken it (its users started)."""
    deadline = time.monotonic() + 20
    while (mode := termios.tcgetattr(tty)) == before:
        assert process.poll() is None, "the run ended without taking the terminal"
        assert time.monotonic() < deadline, "the run never took the terminal"
        time.sleep(0.02)
    return mode


def _until_logged(log: Path, text: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while not (log.exists() and text in log.read_text()):
        assert process.poll() is None, f"the run ended before logging {text!r}"
        assert time.monotonic() < deadline, f"never logged: {text!r}"
        time.sleep(0.02)


def test_w_and_s_add_and_take_away_users(start_horde, locustfile, terminal, tmp_path):
    controller, tty = terminal
    locustfile(IDLE)
    log = tmp_path / "run.log"
    before = termios.tcgetattr(tty)
    process = start_horde(
        *("--headless", "-u", "2", "-r", "100", "-t", "30s", "--logfile", str(log)),
        stdin=tty,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: _take_as_controlling_terminal(tty),
    )
    in_run = _until_cbreak(tty, before, process)
    _until_logged(log, "(2 total users)", process)
    os.write(controller, b"W")
    _until_logged(log, "(12 total users)", process)
    os.write(controller, b"sx")  # x: no key of the run's
    _until_logged(log, "(11 total users)", process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    ramps = [
        line.split("INFO/horde.runners: ")[1]
        for line in log.read_text().splitlines()
        if "Ramping" in line
    ]
    assert ramps == [
        "Ramping to 2 users at a rate of 100.00 per second",
        "Ramping to 12 users at a rate of 100.00 per second",
        "Ramping to 11 users at a rate of 100.00 per second",
    ]
    assert not in_run[3] & (termios.ICANON | termios.ECHO)  # keys one by one, unechoed
    assert termios.tcgetattr(tty) == before


def test_a_terminal_the_run_is_not_in_the_foreground_of_is_left_alone(
    start_horde, locustfile, terminal
):
    """As for a background job (``horde ... &``), which setting the terminal's mode would
    stop (SIGTTOU): here the terminal is not the process's controlling one at all."""
    controller, tty = terminal
    locustfile(IDLE)
    before = termios.tcgetattr(tty)
    process = start_horde(
        *("--headless", "-u", "2", "-r", "100", "-t", "2s", "--only-summary"),
        stdin=tty,
        stderr=subprocess.PIPE,
    )
    os.write(controller, b"W\n")
    modes = []
    while process.poll() is None:
        modes.append(termios.tcgetattr(tty))
        time.sleep(0.05)
    _, log = process.communicate(timeout=20)
    assert process.returncode == 0, log
    assert all(mode == before for mode in modes)
    assert "Ramping to 12 users" not in log
