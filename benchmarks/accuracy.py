"""Timing accuracy: reported percentiles against a target whose delays are known.

Each generator runs ``locustfiles/known_delays.py`` pinned to one core against
``_delay_target.py`` pinned to the other. The requested delays spread evenly over 5 to
304.7 ms in any prefix, and ``-s 2`` lets the requests in flight at the end finish, so
the p50/p95/p99/max of the delay list are what a perfect target would serve ("delays"
row). The target also measures how long each request actually took, from its arrival in
the kernel to its answer: that is the truth each row is held against, so a target that
answers late once (a scheduling hiccup on its core), or reads a request late, does not
count as the generator's error.
The users start over 5 s (``--ramp-seconds``): started all in one second, thousands of
them fill the generator's core while they connect, and the first request of each
carries its connection's wait; the rows measure a steady load. Rows climb in users
until the generator's own core is about 80% busy (horde; Locust's is full sooner), to
show how far each stays accurate. By default (``--users auto``) horde's rows find that
load on this machine: 20 and 200 users, then the users that the last two rows' CPU,
drawn as a line, puts at 40%, 65% and 80% of the core; Locust runs the same rows.

- **gen CPU**: the generator's CPU time over its run, as a share of one core;
- **p50/p95/p99/max**: reported (horde: ``--summary-json``; Locust: its ``_stats.csv``,
  which rounds to about two significant digits) and the error against what the target
  served in that row;
- **within 1%**: whether every one of the four is within 1% + 1 ms of the served truth;
- **served max ms**: the longest any request took at the target (the max's truth);
- **target late max ms**: the latest any answer left the target after its delay: how
  far the served truth strayed from the delay list;
- **target queued max ms**: the longest a request waited in the target's socket before
  the target read it (part of the served time: any client would have waited).

Usage::

    python3 benchmarks/accuracy.py
    python3 benchmarks/accuracy.py --users 50,1000 --only horde
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from _proc import cpu_seconds
from _setup import SetupError, Tools, ensure_tools, python_of

BENCHMARKS_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCHMARKS_DIR / "out"
LOCUSTFILE = BENCHMARKS_DIR / "locustfiles" / "known_delays.py"
TARGET = BENCHMARKS_DIR / "_delay_target.py"
DELAYS = [round(5 + 0.3 * index, 1) for index in range(1000)]
POINTS = (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
#: ``--users auto``: the first rows, then the shares of a core the next rows aim at.
AUTO_START = (20, 200)
AUTO_CPU_TARGETS = (0.4, 0.65, 0.8)


def delay_percentile(fraction: float) -> float:
    """The percentile of the delay list, with Locust's rank rule."""
    return DELAYS[min(int(len(DELAYS) * fraction), len(DELAYS) - 1)]


@dataclass(frozen=True)
class Row:
    """One generator at one load."""

    name: str
    users: int
    cpu: float
    rps: float
    reported: dict[str, float]
    served: dict[str, float]
    """What the target measured each request to take, by point: the truth."""
    target_late_ms: float
    """The latest any answer left the target after its delay: the target's own error."""
    target_queued_ms: float
    """The longest a request waited in the target's socket before the target read it."""

    def error(self, point: str) -> float:
        return self.reported[point] - self.served[point]

    @property
    def accurate(self) -> bool:
        return all(abs(self.error(point)) <= 0.01 * self.served[point] + 1 for point, _ in POINTS)


def main(argv: Sequence[str] | None = None) -> int:
    options = _parse(argv)
    try:
        tools = ensure_tools(options.horde)
    except SetupError as exc:
        print(f"accuracy: {exc}", file=sys.stderr)
        return 1
    run_dir = OUT_DIR / time.strftime("accuracy-%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True)
    chosen = options.only.split(",") if options.only else ["horde", "locust"]
    auto = options.users == "auto"
    if auto and chosen[0] != "horde":
        print("accuracy: --users auto climbs with horde's CPU: give --users", file=sys.stderr)
        return 2
    levels = [] if auto else [int(users) for users in options.users.split(",")]
    rows: list[Row] = []

    def measure(slug: str, users: int) -> Row:
        print(f"{slug}: {users} users ...", flush=True)
        row = _measure(slug, tools, users, options, run_dir)
        rows.append(row)
        return row

    for slug in chosen:
        if not levels:
            levels = [row.users for row in climb(functools.partial(measure, slug))]
            continue
        for users in levels:
            measure(slug, users)
    table = _table(rows)
    print(table)
    (run_dir / "accuracy.md").write_text(table + "\n")
    return 0


def climb(measure: Callable[[int], Row]) -> list[Row]:
    """Measure :data:`AUTO_START`, then the users that the line through the last two rows'
    CPU puts at each of :data:`AUTO_CPU_TARGETS` (in hundreds), skipping any not above
    the last row: rows up to about 80% of the generator's core, whatever the machine."""
    rows = [measure(users) for users in AUTO_START]
    for target in AUTO_CPU_TARGETS:
        before, last = rows[-2], rows[-1]
        per_user = (last.cpu - before.cpu) / (last.users - before.users)
        if per_user <= 0:
            break  # the CPU did not grow with the users: no line to follow
        users = round((last.users + (target - last.cpu) / per_user) / 100) * 100
        if users > last.users:
            rows.append(measure(users))
    return rows


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--users",
        default="auto",
        help="comma-separated levels, or auto: climb to about 80%% of horde's core",
    )
    parser.add_argument("--seconds", type=int, default=20, help="run time of each row")
    parser.add_argument(
        "--ramp-seconds", type=float, default=5.0, help="the users start over this long"
    )
    parser.add_argument("--only", help="comma-separated: horde,locust")
    parser.add_argument("--horde", help="horde executable (default: .venv/bin/horde)")
    parser.add_argument("--generator-core", type=int, default=0)
    parser.add_argument("--target-core", type=int, default=1)
    return parser.parse_args(argv)


def _measure(
    slug: str, tools: Tools, users: int, options: argparse.Namespace, run_dir: Path
) -> Row:
    prefix = run_dir / f"{slug}-{users}"
    executable = tools.horde if slug == "horde" else tools.locust
    target = subprocess.Popen(
        [tools.taskset, "-c", str(options.target_core), python_of(tools.horde), str(TARGET)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert target.stdout is not None
        url = f"http://127.0.0.1:{int(target.stdout.readline())}"
        command = [
            *(tools.taskset, "-c", str(options.generator_core), executable),
            *("-f", str(LOCUSTFILE), "--headless", "-u", str(users)),
            *("-r", f"{users / options.ramp_seconds:g}"),
            *("-t", f"{options.seconds}s", "-s", "2", "-H", url),
            *("--csv", str(prefix), "--only-summary"),
        ]
        if slug == "horde":
            command += ["--summary-json", f"{prefix}.json"]
        with (run_dir / f"{slug}-{users}.log").open("w") as log:
            started = time.monotonic()
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            cpu = 0.0
            while process.poll() is None:
                cpu = cpu_seconds(process.pid)
                time.sleep(0.2)
            elapsed = time.monotonic() - started
    finally:
        target.terminate()
        said, _ = target.communicate(timeout=10)
    reported, requests = _reported(slug, prefix)
    figures = json.loads(said.strip().splitlines()[-1])
    return Row(
        "horde FastHttpUser" if slug == "horde" else "Locust FastHttpUser",
        users,
        cpu / elapsed,
        requests / options.seconds,
        reported,
        {point: float(figures["served_ms"][point]) for point, _ in POINTS},
        float(figures["late_max_ms"]),
        float(figures["queued_max_ms"]),
    )


def _reported(slug: str, prefix: Path) -> tuple[dict[str, float], int]:
    with Path(f"{prefix}_stats.csv").open(newline="") as stats_file:
        row = next(r for r in csv.DictReader(stats_file) if r["Name"] == "Aggregated")
    requests = int(row["Request Count"])
    if slug == "horde":
        totals = json.loads(Path(f"{prefix}.json").read_text())["totals"]
        percentiles = totals["percentiles_ms"]
        reported = {p: float(percentiles[p]) for p in ("p50", "p95", "p99")}
        reported["max"] = float(totals["max_ms"])
        return reported, requests
    columns = {"p50": "50%", "p95": "95%", "p99": "99%", "max": "100%"}
    return {point: float(row[column]) for point, column in columns.items()}, requests


def _table(rows: list[Row]) -> str:
    head = "| generator | users | gen CPU | req/s |"
    head += "".join(f" {point} ms (error) |" for point, _ in POINTS)
    head += " within 1% | served max ms | target late max ms | target queued max ms |"
    delays = " | ".join(f"{delay_percentile(fraction):g}" for _, fraction in POINTS)
    lines = [head, "|" + "---|" * (8 + len(POINTS)), f"| delays | | | | {delays} | | | | |"]
    for row in rows:
        cells = "".join(
            f" {row.reported[point]:.1f} ({row.error(point):+.1f}) |" for point, _ in POINTS
        )
        verdict = "yes" if row.accurate else "no"
        lines.append(
            f"| {row.name} | {row.users:,} | {row.cpu:.0%} | {row.rps:,.0f} |{cells} {verdict} "
            f"| {row.served['max']:.1f} | {row.target_late_ms:.1f} | {row.target_queued_ms:.1f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
