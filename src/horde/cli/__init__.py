"""The command line: options, config files and env vars in; a wired, running test out."""

from horde.cli._logging import setup_logging
from horde.cli._main import main
from horde.cli._parser import HordeArgumentParser, build_parser
from horde.cli._run import run_command
from horde.cli._timespan import parse_timespan

__all__ = [
    "HordeArgumentParser",
    "build_parser",
    "main",
    "parse_timespan",
    "run_command",
    "setup_logging",
]
