"""The command line: options, config files and env vars in; a wired, running test out."""

from horde.cli._config import DEFAULT_CONFIG_FILES, apply_config_sources
from horde.cli._logging import setup_logging
from horde.cli._main import main
from horde.cli._parser import (
    HordeArgumentParser,
    add_builtin_options,
    build_parser,
    check_full_history,
    empty_parser,
)
from horde.cli._run import run_command
from horde.cli._timespan import parse_timespan

__all__ = [
    "DEFAULT_CONFIG_FILES",
    "HordeArgumentParser",
    "add_builtin_options",
    "apply_config_sources",
    "build_parser",
    "check_full_history",
    "empty_parser",
    "main",
    "parse_timespan",
    "run_command",
    "setup_logging",
]
