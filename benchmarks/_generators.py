"""The load generators a benchmark row can run, and how each reports its own counts.

Each generator knows its command line and how to read the request and failure
counts it reported itself (Locust and horde: the ``_stats.csv`` Aggregated row,
same format for both; wrk: its text summary). Throughput itself is measured
outside the generator, by nginx's counter (see ``_measure.py``).
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from _setup import Tools, python_of

__all__ = [
    "CeilingGenerator",
    "Generator",
    "LocustfileGenerator",
    "RunPlan",
    "ToolReport",
    "WrkGenerator",
]

LOCUSTFILES_DIR = Path(__file__).resolve().parent / "locustfiles"
CEILING_SCRIPT = Path(__file__).resolve().parent / "_python_ceiling.py"
# The generator runs this much longer than warm-up + measured window, so the
# window always closes before the generator starts to stop.
_TAIL_SECONDS = 2.0


@dataclass(frozen=True)
class RunPlan:
    """What every row shares: target, users, timing, where files go."""

    url: str
    users: int
    warmup_seconds: float
    duration_seconds: float
    run_dir: Path
    generator_core: int
    nginx_core: int

    @property
    def run_seconds(self) -> int:
        """How long the generator itself is told to run."""
        return math.ceil(self.warmup_seconds + self.duration_seconds + _TAIL_SECONDS)


@dataclass(frozen=True)
class ToolReport:
    """Counts a generator reported about its own run."""

    requests: int
    failures: int


class Generator(Protocol):
    """One row of the benchmark table."""

    @property
    def name(self) -> str:
        """The row's name in the table."""
        ...

    @property
    def slug(self) -> str:
        """The row's name in files and ``--only``."""
        ...

    def command(self, tools: Tools, plan: RunPlan) -> list[str]:
        """The command line, without the CPU pinning."""
        ...

    def tool_report(self, plan: RunPlan, output: str) -> ToolReport:
        """Read the generator's own counts after it exited (``output``: its stdout+stderr)."""
        ...


@dataclass(frozen=True)
class LocustfileGenerator:
    """A locustfile run headless by horde or Locust, with Locust's CLI flags."""

    name: str
    slug: str
    runner: Literal["horde", "locust"]
    locustfile: str

    def command(self, tools: Tools, plan: RunPlan) -> list[str]:
        """``horde|locust -f FILE --headless -u N -r N -t Ts -H URL --csv PREFIX``."""
        executable = tools.horde if self.runner == "horde" else tools.locust
        users = str(plan.users)
        return [
            executable,
            "-f",
            str(LOCUSTFILES_DIR / self.locustfile),
            "--headless",
            "-u",
            users,
            "-r",
            users,
            "-t",
            f"{plan.run_seconds}s",
            "-H",
            plan.url,
            "--csv",
            str(self._csv_prefix(plan)),
            "--only-summary",
        ]

    def tool_report(self, plan: RunPlan, output: str) -> ToolReport:
        """The Aggregated row of ``PREFIX_stats.csv``."""
        stats_path = Path(f"{self._csv_prefix(plan)}_stats.csv")
        if not stats_path.exists():
            raise FileNotFoundError(f"{self.name} wrote no {stats_path}")
        with stats_path.open(newline="") as stats_file:
            for row in csv.DictReader(stats_file):
                if row["Name"] == "Aggregated":
                    return ToolReport(int(row["Request Count"]), int(row["Failure Count"]))
        raise ValueError(f"{stats_path} has no Aggregated row")

    def _csv_prefix(self, plan: RunPlan) -> Path:
        return plan.run_dir / self.slug


@dataclass(frozen=True)
class WrkGenerator:
    """wrk with one thread: the C reference for what one core can drive."""

    name: str = "wrk (C)"
    slug: str = "wrk"

    def command(self, tools: Tools, plan: RunPlan) -> list[str]:
        """``wrk -t1 -cUSERS -dTs URL``."""
        return [tools.wrk, "-t1", f"-c{plan.users}", f"-d{plan.run_seconds}s", f"{plan.url}/"]

    def tool_report(self, plan: RunPlan, output: str) -> ToolReport:
        """Parse "N requests in", "Non-2xx or 3xx responses" and "Socket errors"."""
        completed = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
        if completed is None:
            raise ValueError("wrk printed no request count")
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        socket_errors = re.search(
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
        )
        failures = int(non_2xx.group(1)) if non_2xx else 0
        if socket_errors:
            failures += sum(int(count) for count in socket_errors.groups())
        return ToolReport(int(completed.group(1)), failures)


@dataclass(frozen=True)
class CeilingGenerator:
    """A bare uvloop protocol with httptools (``_python_ceiling.py``): Python's floor."""

    name: str = "Python ceiling: bare uvloop"
    slug: str = "python-ceiling"

    def command(self, tools: Tools, plan: RunPlan) -> list[str]:
        """``python _python_ceiling.py URL USERS SECONDS``, in horde's interpreter."""
        return [
            python_of(tools.horde),
            str(CEILING_SCRIPT),
            plan.url,
            str(plan.users),
            str(plan.run_seconds),
        ]

    def tool_report(self, plan: RunPlan, output: str) -> ToolReport:
        """The ``{"requests", "failures"}`` line it prints last."""
        lines = output.strip().splitlines()
        if not lines:
            raise ValueError("the ceiling client printed nothing")
        counts = json.loads(lines[-1])
        return ToolReport(int(counts["requests"]), int(counts["failures"]))
