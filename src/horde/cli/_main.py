"""``horde``: the command line's entry point and the composition root."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from horde.cli._run import run_command

__all__ = ["main"]

SUBCOMMANDS = ("demo", "serve-demo")


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``horde`` with ``argv`` (default: the process arguments) and exit."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        # The demo shop's server (uvicorn, Starlette) is imported only when asked for: a
        # tenth of a second of every other command's start.
        from horde.cli._demo import demo_command, serve_demo_command

        command = demo_command if args[0] == "demo" else serve_demo_command
        sys.exit(command(args[1:]))
    sys.exit(run_command(args))
