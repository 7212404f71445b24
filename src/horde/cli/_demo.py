"""``horde demo`` and ``horde serve-demo``: the demo shop, alone or under load."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from horde.cli._run import run_command
from horde.demo import (
    LOCUSTFILE,
    PROFILES,
    DemoServerError,
    serve_command,
    start_server_process,
)

__all__ = ["demo_command", "serve_demo_command"]


def serve_demo_command(args: Sequence[str]) -> int:
    """``horde serve-demo --port P [--profile NAME]``: serve the shop until interrupted."""
    return serve_command(args, prog="horde serve-demo")


def _demo_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="horde demo",
        description="Start the demo shop on a free loopback port, run a step load against it "
        "with the bundled locustfile, and write an HTML report that tells how it held up.",
    )
    parser.add_argument(
        "--profile",
        default="healthy",
        choices=PROFILES,
        help="bottleneck profile of the shop (%(default)s)",
    )
    parser.add_argument("-u", "--users", default="600", help="users of the last step (%(default)s)")
    parser.add_argument("--step-users", default="100", help="users added per step (%(default)s)")
    parser.add_argument("--step-time", default="15s", help="length of a step (%(default)s)")
    parser.add_argument("--html", help="report file (default: horde-demo-<profile>.html)")
    parser.add_argument("--csv", help="also write the CSV files with this prefix")
    return parser


def demo_command(args: Sequence[str]) -> int:
    """``horde demo``: a step load against a fresh demo shop, ending with an HTML report."""
    options = _demo_parser().parse_args(args)
    try:
        server = start_server_process(options.profile)
    except DemoServerError as exc:
        print(f"horde demo: the demo shop did not start: {exc}", file=sys.stderr)
        return 1
    report = options.html or f"horde-demo-{options.profile}.html"
    with server:
        print(f"Demo shop ({options.profile} profile) listening on {server.url}", file=sys.stderr)
        command = ["-f", str(LOCUSTFILE), "--headless", "-H", server.url, "--only-summary"]
        command += ["--step-users", options.step_users, "--step-time", options.step_time]
        command += ["-u", options.users, "--html", report]
        if options.csv:
            command += ["--csv", options.csv]
        code = run_command(command)
    print(f"\nThe report is in {Path(report).resolve()}", file=sys.stderr)
    return code
