"""``horde``: the command line's entry point and the composition root."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from horde.cli._demo import demo_command, serve_demo_command
from horde.cli._run import run_command

__all__ = ["main"]

SUBCOMMANDS = {"demo": demo_command, "serve-demo": serve_demo_command}


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``horde`` with ``argv`` (default: the process arguments) and exit."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        sys.exit(SUBCOMMANDS[args[0]](args[1:]))
    sys.exit(run_command(args))
