"""The demo shop's command line (``python -m horde.demo``, ``horde serve-demo``).

Every :class:`~horde.demo.DemoConfig` knob is an option (``--stall-period-s 5``)
and an environment variable (``HORDE_DEMO_STALL_PERIOD_S=5``); an option wins
over the variable, which wins over the default.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from horde.demo._config import ENV_PREFIX, PROFILES, DemoConfig, config_from_env, parse_field
from horde.demo._server import serve

__all__ = ["main"]


def build_parser(prog: str = "python -m horde.demo") -> argparse.ArgumentParser:
    """The command line of ``python -m horde.demo`` (and ``horde serve-demo``)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve the horde demo shop, a SQLite-backed HTTP API with "
        "switchable bottleneck profiles.",
        epilog=f"Each knob can also be set as an environment variable {ENV_PREFIX}<NAME>, "
        f"for example {ENV_PREFIX}STALL_PERIOD_S=5.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (%(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port; 0 picks one (%(default)s)")
    parser.add_argument(
        "--profile", default="healthy", choices=PROFILES, help="bottleneck profile (%(default)s)"
    )
    parser.add_argument("--data-dir", type=Path, help="where the temporary database goes")
    # Given by start_server_process, whose process holds the other end of stdin's pipe.
    parser.add_argument("--until-stdin-closes", action="store_true", help=argparse.SUPPRESS)
    knobs = parser.add_argument_group("knobs", "see horde.demo.DemoConfig")
    for field in dataclasses.fields(DemoConfig):
        knobs.add_argument(
            "--" + field.name.replace("_", "-"),
            dest=field.name,
            type=_field_parser(field.name),
            metavar="N",
            help=f"{field.metadata['help']} (default: {field.default})",
        )
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "python -m horde.demo") -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``) and serve until interrupted.

    Returns:
        The exit status: 0 after a clean stop; a usage error exits with 2.
    """
    parser = build_parser(prog)
    arguments = parser.parse_args(argv)
    if arguments.until_stdin_closes:
        _stop_when_stdin_closes()
    try:
        config = config_from_env(os.environ)
        options = {
            field.name: getattr(arguments, field.name)
            for field in dataclasses.fields(DemoConfig)
            if getattr(arguments, field.name) is not None
        }
        config = dataclasses.replace(config, **options)
    except ValueError as error:
        parser.error(str(error))
    if arguments.data_dir is not None and not arguments.data_dir.is_dir():
        parser.error(
            f"--data-dir {arguments.data_dir}: no such folder (create it, or leave the "
            "option out for a temporary one)"
        )
    serve(arguments.host, arguments.port, arguments.profile, config, data_dir=arguments.data_dir)
    return 0


def _stop_when_stdin_closes() -> None:
    """Stop the server as SIGTERM does once stdin reaches its end: the process that started
    it holds the pipe's other end, which closes when that process ends, however it ends."""

    def watch() -> None:
        with contextlib.suppress(OSError, ValueError):
            while sys.stdin.buffer.read(4096):
                pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="horde-demo-stdin", daemon=True).start()


def _field_parser(name: str) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            return parse_field(name, text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse
