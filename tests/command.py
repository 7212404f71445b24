"""The real ``horde`` command, run as a user runs it, for the fixtures and for tests that
run it outside a test's own ``tmp_path`` (from threads, say)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RUN_TIMEOUT_S", "Result", "clean_environment", "process_alive", "run_horde"]


@dataclass
class Result:
    """A finished ``horde`` process."""

    code: int
    stdout: str
    stderr: str


def clean_environment() -> dict[str, str]:
    """This process's environment without the variables that would set horde's options."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "HORDE_"))}


#: Seconds a ``horde`` run may take by default: less than pytest-timeout's 60, so that a
#: run that hangs is killed (and its test fails) before pytest-timeout ends the whole
#: session, which would leave the process running on after it.
RUN_TIMEOUT_S = 50.0


def run_horde(
    *args: str, cwd: Path, timeout: float = RUN_TIMEOUT_S, env: dict[str, str] | None = None
) -> Result:
    """Run ``horde`` with ``args`` in ``cwd`` to its end; its exit code and output.

    Raises:
        subprocess.TimeoutExpired: It ran past ``timeout`` (it is killed first).
    """
    completed = subprocess.run(
        [sys.executable, "-m", "horde", *args],
        cwd=cwd,
        env={**clean_environment(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def process_alive(pid: int) -> bool:
    """Whether ``pid`` still runs (Linux: a zombie, dead but not yet reaped, is not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
