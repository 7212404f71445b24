"""Running one generator pinned to its core, and measuring it over a fixed window.

Timeline of one row::

    start ── startup (imports) ── first request ── warm-up ──┬── measured window ──┬── tail ── exit
                                                            sample               sample

Both samples read nginx's served-request counter, the generator's CPU time and
nginx's CPU time at the same instant, so requests/s and requests per CPU-second
cover exactly the same steady-state window for every generator, and startup
cost (Locust's imports, spawning) is left out for all of them alike.
"""

from __future__ import annotations

import contextlib
import dataclasses
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from _generators import Generator, RunPlan, ToolReport
from _nginx import Nginx
from _proc import cpu_seconds
from _setup import Tools

__all__ = ["Measurement", "MeasurementError", "Unmeasured", "measure"]

_STARTUP_TIMEOUT_SECONDS = 60.0
_EXIT_GRACE_SECONDS = 30.0
_POLL_SECONDS = 0.05
# Below this share of its core a generator was not the bottleneck (it waited on nginx).
_SATURATED_CPU_PERCENT = 90.0
# Above this share of its core nginx may have capped the figure.
_NGINX_BUSY_CPU_PERCENT = 90.0


class MeasurementError(Exception):
    """A generator did not start, stopped early, or left no readable report."""


@dataclass(frozen=True)
class Measurement:
    """One generator's figures over the measured window, plus its own counts."""

    name: str
    requests_per_second: float
    requests_per_cpu_second: float
    generator_cpu_percent: float
    nginx_cpu_percent: float
    tool_requests: int
    tool_failures: int
    served_requests: int
    counts_agree: bool
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Unmeasured:
    """A row with no figures: skipped on purpose, or failed."""

    name: str
    reason: str


@dataclass(frozen=True)
class _Sample:
    monotonic_seconds: float
    served_requests: int
    generator_cpu_seconds: float
    nginx_cpu_seconds: float


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
    return _summarise(generator.name, start, end, served, tool_report, returncode, plan)


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
        _fail_if_exited(process, log_path)
        if nginx.requests_served() > served_before:
            return time.monotonic()
        time.sleep(_POLL_SECONDS)
    raise MeasurementError(
        f"no request reached nginx within {_STARTUP_TIMEOUT_SECONDS:.0f}s; see {log_path}"
    )


def _sample_at(
    deadline: float, nginx: Nginx, process: subprocess.Popen[bytes], log_path: Path
) -> _Sample:
    while (remaining := deadline - time.monotonic()) > 0:
        _fail_if_exited(process, log_path)
        time.sleep(min(remaining, 0.5))
    _fail_if_exited(process, log_path)
    # Read the counter between the two CPU readings so all three describe one instant.
    generator_cpu = cpu_seconds(process.pid)
    served = nginx.requests_served()
    return _Sample(time.monotonic(), served, generator_cpu, nginx.cpu_seconds())


def _fail_if_exited(process: subprocess.Popen[bytes], log_path: Path) -> None:
    if process.poll() is not None:
        raise MeasurementError(
            f"generator exited early (exit code {process.returncode}):\n{_tail(log_path)}"
        )


def _wait_for_exit(process: subprocess.Popen[bytes], plan: RunPlan, log_path: Path) -> int:
    try:
        return process.wait(timeout=plan.run_seconds + _EXIT_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        raise MeasurementError(
            f"generator still running {_EXIT_GRACE_SECONDS:.0f}s after its run time; "
            f"see {log_path}"
        ) from None


def _read_tool_report(generator: Generator, plan: RunPlan, log_path: Path) -> ToolReport:
    try:
        return generator.tool_report(plan, log_path.read_text(errors="replace"))
    except (OSError, ValueError, KeyError) as error:
        raise MeasurementError(f"{error}\n{_tail(log_path)}") from error


def _summarise(
    name: str,
    start: _Sample,
    end: _Sample,
    served: int,
    tool_report: ToolReport,
    returncode: int,
    plan: RunPlan,
) -> Measurement:
    window_seconds = end.monotonic_seconds - start.monotonic_seconds
    window_requests = end.served_requests - start.served_requests
    generator_cpu = end.generator_cpu_seconds - start.generator_cpu_seconds
    nginx_cpu = end.nginx_cpu_seconds - start.nginx_cpu_seconds
    measurement = Measurement(
        name=name,
        requests_per_second=window_requests / window_seconds,
        requests_per_cpu_second=window_requests / generator_cpu if generator_cpu else 0.0,
        generator_cpu_percent=100 * generator_cpu / window_seconds,
        nginx_cpu_percent=100 * nginx_cpu / window_seconds,
        tool_requests=tool_report.requests,
        tool_failures=tool_report.failures,
        served_requests=served,
        counts_agree=_counts_agree(tool_report.requests, served, plan),
        notes=(),
    )
    return dataclasses.replace(measurement, notes=_notes(measurement, returncode))


def _counts_agree(tool_requests: int, served_requests: int, plan: RunPlan) -> bool:
    """Whether the generator's own count matches what nginx served (a broken client won't)."""
    # Requests in flight when a generator stops are served but may go unrecorded.
    tolerance = max(2 * plan.users, served_requests // 100)
    return abs(tool_requests - served_requests) <= tolerance


def _notes(measurement: Measurement, returncode: int) -> tuple[str, ...]:
    """What makes a row's figure doubtful or not purely the generator's."""
    notes = []
    if returncode != 0:
        notes.append(f"exit code {returncode}")
    if measurement.tool_failures:
        notes.append(f"{measurement.tool_failures} failures reported")
    if not measurement.counts_agree:
        notes.append(
            f"reported {measurement.tool_requests} requests but nginx served "
            f"{measurement.served_requests}"
        )
    if measurement.generator_cpu_percent < _SATURATED_CPU_PERCENT:
        notes.append(
            f"generator used {measurement.generator_cpu_percent:.0f}% of its core "
            "(not CPU-bound)"
        )
    if measurement.nginx_cpu_percent > _NGINX_BUSY_CPU_PERCENT:
        notes.append(
            f"nginx used {measurement.nginx_cpu_percent:.0f}% of its core "
            "(the target may cap this figure)"
        )
    return tuple(notes)


def _tail(log_path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
