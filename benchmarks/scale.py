"""Users per process: many users at one request a second each, in one generator process.

Each generator runs ``locustfiles/paced_user.py`` (horde's async row:
``paced_async.py``) (``constant_throughput(1)``, one
``GET /`` per second per user, every user on its own keep-alive connection) pinned to
one core, against a fresh nginx pinned to the other (a new port per row, so the
previous row's closed connections never hold the ports this one needs). The script
runs itself again in a network namespace of its own, with local ports 1024-65535
(``_netns.py``: past about 14,000 connections to one port, the machine's default range
makes every connect scan it). After the ramp and a settling pause, a fixed window is
measured:

- **req/s** and **sent**: requests nginx served in the window, against the users'
  schedule (one per user per second);
- **RSS** and **KB/user**: the generator's resident memory at the end of the window
  (``/proc/PID/status``), over the users;
- **p50/p99/max**: the generator's own figures (the Aggregated row of its
  ``_stats.csv``, same format for horde and Locust), from the end of the ramp
  (``--reset-stats``): the steady load, not the spawning of thousands of users a
  second. nginx answers in microseconds, so they are the client-side overhead;
- **gen CPU**: the generator's CPU time in the window, as a share of one core.

Usage::

    python3 benchmarks/scale.py                 # 20,000 users, or as many as fit
    python3 benchmarks/scale.py --users 5000 --only horde
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _netns import (
    in_private_namespace,
    local_port_range,
    rerun_in_private_namespace,
    set_up_private_namespace,
)
from _nginx import Nginx, running_nginx
from _proc import cpu_seconds
from _setup import SetupError, Tools, ensure_tools

OUT_DIR = Path(__file__).resolve().parent / "out"
LOCUSTFILES = Path(__file__).resolve().parent / "locustfiles"
#: File descriptors a generator needs besides its users' sockets.
_SPARE_DESCRIPTORS = 200
_SETTLE_SECONDS = 8.0
_TAIL_SECONDS = 4.0


@dataclass(frozen=True)
class Row:
    """One generator's figures."""

    name: str
    users: int
    rps: float
    sent: float
    rss_mb: float
    kb_per_user: float
    p50_ms: str
    p99_ms: str
    max_ms: str
    cpu: float
    failures: int
    note: str = ""


def main(argv: Sequence[str] | None = None) -> int:
    options = _parse(argv)
    try:
        tools = ensure_tools(options.horde)
    except SetupError as exc:
        print(f"scale: {exc}", file=sys.stderr)
        return 1
    if in_private_namespace():
        set_up_private_namespace()
    elif not options.machine_network:
        arguments = sys.argv[1:] if argv is None else list(argv)
        code = rerun_in_private_namespace([__file__, *arguments])
        if code is not None:
            return code
    users, limit_note = _users_that_fit(options.users)
    notes = [note for note in (limit_note, _network_note(users)) if note]
    run_dir = OUT_DIR / time.strftime("scale-%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True)
    generators = {
        "horde": ("horde FastHttpUser (sync)", tools.horde, "paced_user.py"),
        "horde-async": ("horde async def", tools.horde, "paced_async.py"),
        "locust": ("Locust FastHttpUser", tools.locust, "paced_user.py"),
    }
    chosen = options.only.split(",") if options.only else list(generators)
    rows = []
    for slug in chosen:
        print(f"{slug}: {users} users ...", flush=True)
        rows.append(_measure(slug, generators[slug], tools, users, options, run_dir))
    table = _table(rows, notes)
    print(table)
    (run_dir / "scale.md").write_text(table + "\n")
    return 0


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--spawn-rate", type=int, default=1_000)
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--only", help="comma-separated: horde,horde-async,locust")
    parser.add_argument("--horde", help="horde executable (default: .venv/bin/horde)")
    parser.add_argument("--generator-core", type=int, default=0)
    parser.add_argument("--nginx-core", type=int, default=1)
    parser.add_argument(
        "--machine-network",
        action="store_true",
        help="run in the machine's network namespace, with its local port range",
    )
    return parser.parse_args(argv)


def _users_that_fit(wanted: int) -> tuple[int, str]:
    """As many of ``wanted`` users as one process may hold sockets for."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY or wanted + _SPARE_DESCRIPTORS <= hard:
        return wanted, ""
    users = hard - _SPARE_DESCRIPTORS
    return users, (
        f"{wanted} users do not fit: this machine allows a process {hard} open files "
        f"(hard limit), so {users} users ran"
    )


def _network_note(users: int) -> str:
    """Where the run's connections got their local ports, when that matters (_netns.py)."""
    low, high = local_port_range()
    where = "a private network namespace" if in_private_namespace() else "this machine's network"
    easy = (high - low + 1) // 2
    if users <= easy:
        return f"Ran in {where}, local ports {low}-{high}."
    return (
        f"Ran in {where}, local ports {low}-{high}: past {easy:,} connections to nginx "
        "each new one scanned the range for a free port, which slowed the ramp and cost "
        "every generator CPU (as root, the script runs in a private namespace with a wide "
        "range)."
    )


def _measure(
    slug: str,
    generator: tuple[str, str, str],
    tools: Tools,
    users: int,
    options: argparse.Namespace,
    run_dir: Path,
) -> Row:
    name, executable, locustfile = generator
    ramp = users / options.spawn_rate
    run_seconds = int(ramp + _SETTLE_SECONDS + options.duration + _TAIL_SECONDS) + 1
    prefix = run_dir / slug
    command = [
        tools.taskset,
        "-c",
        str(options.generator_core),
        executable,
        *("-f", str(LOCUSTFILES / locustfile), "--headless", "-u", str(users)),
        *("-r", str(options.spawn_rate), "-t", f"{run_seconds}s"),
        *("--csv", str(prefix), "--only-summary", "--reset-stats"),
    ]
    connections = users + _SPARE_DESCRIPTORS
    with running_nginx(tools.nginx, tools.taskset, options.nginx_core, connections) as nginx:
        log = (run_dir / f"{slug}.log").open("w")
        process = subprocess.Popen(
            [*command, "-H", nginx.url], stdout=log, stderr=subprocess.STDOUT
        )
        try:
            time.sleep(ramp + _SETTLE_SECONDS)
            before = _sample(nginx, process.pid)
            time.sleep(options.duration)
            after = _sample(nginx, process.pid)
            rss = _rss_bytes(process.pid)
            process.wait(timeout=run_seconds + 120)
        finally:
            if process.poll() is None:
                process.kill()
            log.close()
    elapsed = after[0] - before[0]
    rps = (after[1] - before[1]) / elapsed
    cpu = (after[2] - before[2]) / elapsed
    p50, p99, top, failures = _percentiles(Path(f"{prefix}_stats.csv"))
    return Row(
        name=name,
        users=users,
        rps=rps,
        sent=rps / users,
        rss_mb=rss / 2**20,
        kb_per_user=rss / 1024 / users,
        p50_ms=p50,
        p99_ms=p99,
        max_ms=f"{float(top):,.0f}" if top not in ("", "N/A") else top,
        cpu=cpu,
        failures=failures,
        note="" if rps >= 0.99 * users else "could not keep the schedule",
    )


def _sample(nginx: Nginx, pid: int) -> tuple[float, int, float]:
    return time.monotonic(), nginx.requests_served(), cpu_seconds(pid)


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _percentiles(stats_path: Path) -> tuple[str, str, str, int]:
    if not stats_path.exists():
        return "-", "-", "-", 0
    with stats_path.open(newline="") as stats_file:
        for row in csv.DictReader(stats_file):
            if row["Name"] == "Aggregated":
                failures = int(row["Failure Count"])
                return row["50%"], row["99%"], row["Max Response Time"], failures
    return "-", "-", "-", 0


def _table(rows: list[Row], notes: list[str]) -> str:
    header = (
        "| generator | users | req/s | sent | RSS | KB/user | p50 ms | p99 ms | max ms "
        "| gen CPU | failures | |"
    )
    lines = [header, "|" + "---|" * 12]
    lines += [
        f"| {row.name} | {row.users:,} | {row.rps:,.0f} | {row.sent:.1%} | "
        f"{row.rss_mb:,.0f} MB | {row.kb_per_user:.1f} | {row.p50_ms} | {row.p99_ms} | "
        f"{row.max_ms} | {row.cpu:.0%} | {row.failures:,} | {row.note} |"
        for row in rows
    ]
    for note in notes:
        lines += ["", note]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
