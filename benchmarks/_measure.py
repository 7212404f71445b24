"""Running one generator pinned to its core, and measuring it over a fixed window.

Timeline of one row::

    start ── startup (imports) ── first request ── warm-up ──┬── measured window ──┬── tail ── exit
                                                            sample               sample

Both samples read nginx's served-request counter, the generator's and nginx's
CPU time, and every core's busy time at one instant, so requests/s and requests
per CPU-second cover the same steady-state window for every generator, and
startup cost (imports, spawning) is left out for all of them alike.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from _figures import Measurement, Sample, summarise
from _generators import Generator, RunPlan, ToolReport
from _nginx import Nginx
from _proc import cpu_seconds, machine_times
from _setup import Tools

__all__ = ["MeasurementError", "Unmeasured", "measure", "wait_for_quiet_machine"]

_STARTUP_TIMEOUT_SECONDS = 60.0
_EXIT_GRACE_SECONDS = 30.0
_POLL_SECONDS = 0.05
# Other processes (a test suite, an editor) may use at most this much of one
# core before a row starts.
_QUIET_CPU_PERCENT = 10.0


class MeasurementError(Exception):
    """A generator did not start, stopped early, or left no readable report."""


@dataclass(frozen=True)
class Unmeasured:
    """A row with no figures: skipped on purpose, or failed."""

    name: str
    reason: str
    failed: bool


def measure(generator: Generator, tools: Tools, nginx: Nginx, plan: RunPlan) -> Measurement:
    """Run ``generator`` pinned to ``plan.generator_core`` and measure it.

    Raises:
        MeasurementError: it sent no traffic, stopped early, overran, or wrote no report.
    """
    log_path = plan.run_dir / f"{generator.slug}.log"
    command = [tools.taskset, "-c", str(plan.generator_core), *generator.command(tools, plan)]
    served_before = nginx.requests_served()
    with log_path.open("wb") as log_file, _child(command, log_file) as process:
        first_request = _wait_for_traffic(nginx, process, served_before, log_path)
        start = _sample_at(first_request + plan.warmup_seconds, nginx, process, log_path)
        end = _sample_at(start.monotonic_seconds + plan.duration_seconds, nginx, process, log_path)
        returncode = _wait_for_exit(process, plan, log_path)
    served = nginx.requests_served() - served_before
    tool_report = _read_tool_report(generator, plan, log_path)
    return summarise(generator.name, (start, end), served, tool_report, returncode, plan)


def wait_for_quiet_machine(max_wait_seconds: float) -> float:
    """Wait until other processes leave the cores alone; return their last CPU use.

    The two cores are shared with whatever else runs on the machine; a row
    measured beside a busy test suite would understate every generator.
    Returns the percent of one core other processes used in the last second.
    """
    deadline = time.monotonic() + max_wait_seconds
    announced = False
    while True:
        before = machine_times().process_seconds
        time.sleep(1.0)
        busy_percent = 100 * (machine_times().process_seconds - before)
        if busy_percent <= _QUIET_CPU_PERCENT or time.monotonic() >= deadline:
            return busy_percent
        if not announced:
            print(f"  waiting for a quiet machine ({busy_percent:.0f}% of a core busy)", flush=True)
            announced = True


@contextlib.contextmanager
def _child(command: list[str], log_file: IO[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:  # only when something went wrong
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_traffic(
    nginx: Nginx, process: subprocess.Popen[bytes], served_before: int, log_path: Path
) -> float:
    """Wait for the generator's first request (after its startup); return when it came."""
    deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        _fail_if_exited(process, log_path, "before any request reached nginx")
        if nginx.requests_served() > served_before:
            return time.monotonic()
        time.sleep(_POLL_SECONDS)
    raise MeasurementError(
        f"no request reached nginx within {_STARTUP_TIMEOUT_SECONDS:.0f}s; see {log_path}"
    )


def _sample_at(
    deadline: float, nginx: Nginx, process: subprocess.Popen[bytes], log_path: Path
) -> Sample:
    while (remaining := deadline - time.monotonic()) > 0:
        _fail_if_exited(process, log_path, "before the measured window closed")
        time.sleep(min(remaining, 0.5))
    _fail_if_exited(process, log_path, "before the measured window closed")
    # The status request takes well under a millisecond: the readings around it
    # describe one instant.
    generator_cpu = cpu_seconds(process.pid)
    served = nginx.requests_served()
    return Sample(
        monotonic_seconds=time.monotonic(),
        served_requests=served,
        generator_cpu_seconds=generator_cpu,
        nginx_cpu_seconds=nginx.cpu_seconds(),
        machine=machine_times(),
    )


def _fail_if_exited(process: subprocess.Popen[bytes], log_path: Path, when: str) -> None:
    if process.poll() is None:
        return
    # The first line is the one the table's notes show: make it say what went wrong.
    summary = f"generator exited {when} (exit code {process.returncode})"
    error = _last_error(log_path)
    raise MeasurementError(
        f"{summary}{f'; last error: {error}' if error else ''}; log: {log_path}\n{_tail(log_path)}"
    )


def _last_error(log_path: Path) -> str | None:
    """The last exception line in a generator's output, if any."""
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return None
    errors = re.findall(r"^\w[\w.]*(?:Error|Exception)\b.*$", text, re.MULTILINE)
    return errors[-1] if errors else None


def _wait_for_exit(process: subprocess.Popen[bytes], plan: RunPlan, log_path: Path) -> int:
    try:
        return process.wait(timeout=plan.run_seconds + _EXIT_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        raise MeasurementError(
            f"generator still running {_EXIT_GRACE_SECONDS:.0f}s after its run time; see {log_path}"
        ) from None


def _read_tool_report(generator: Generator, plan: RunPlan, log_path: Path) -> ToolReport:
    try:
        return generator.tool_report(plan, log_path.read_text(errors="replace"))
    except (OSError, ValueError, KeyError) as error:
        raise MeasurementError(f"{error}\n{_tail(log_path)}") from error


def _tail(log_path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
