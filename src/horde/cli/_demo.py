"""``horde demo`` and ``horde serve-demo``: the demo shop, alone or under load."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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
        description="Start the demo shop on a free loopback port and load-test it with the "
        "bundled locustfile.",
    )
    parser.add_argument(
        "--profile",
        default="healthy",
        choices=PROFILES,
        help="bottleneck profile of the shop (%(default)s)",
    )
    parser.add_argument("-u", "--users", default="200", help="peak users (%(default)s)")
    parser.add_argument("-r", "--spawn-rate", default="50", help="users started per second")
    parser.add_argument("-t", "--run-time", default="30s", help="test length (%(default)s)")
    parser.add_argument("--csv", help="also write the CSV files with this prefix")
    return parser


def demo_command(args: Sequence[str]) -> int:
    """``horde demo``: run the bundled locustfile against a fresh demo shop."""
    options = _demo_parser().parse_args(args)
    try:
        server = start_server_process(options.profile)
    except DemoServerError as exc:
        print(f"horde demo: the demo shop did not start: {exc}", file=sys.stderr)
        return 1
    with server:
        print(f"Demo shop ({options.profile} profile) listening on {server.url}", file=sys.stderr)
        command = [
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "-H",
            server.url,
            "-u",
            options.users,
            "-r",
            options.spawn_rate,
            "-t",
            options.run_time,
        ]
        if options.csv:
            command += ["--csv", options.csv]
        return run_command(command)
