"""``locust.argument_parser``: the option parser locustfiles extend, and Locust's helpers
around it.

Options come from the same sources as on the command line, in the same order: the
config files, ``--config``, ``LOCUST_*`` / ``HORDE_*`` environment variables, then the
arguments.

Example:
    >>> options = parse_options(["--headless", "-u", "5"])
    >>> options.headless, options.num_users
    (True, 5)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from horde.cli import (
    DEFAULT_CONFIG_FILES,
    HordeArgumentParser,
    add_builtin_options,
    apply_config_sources,
    check_full_history,
    empty_parser,
)
from horde.event import events

__all__ = [
    "DEFAULT_CONFIG_FILES",
    "LocustArgumentParser",
    "default_args_dict",
    "get_empty_argument_parser",
    "get_parser",
    "parse_options",
    "setup_parser_arguments",
    "ui_extra_args_dict",
]

LocustArgumentParser = HordeArgumentParser

ConfigFiles = Iterable[str | Path]


def get_empty_argument_parser(
    add_help: bool = True, default_config_files: ConfigFiles = DEFAULT_CONFIG_FILES
) -> HordeArgumentParser:
    """A parser with only ``-f/--locustfile`` and ``--config``.

    Args:
        add_help: Whether ``-h/--help`` is an option.
        default_config_files: The config files :func:`parse_options` and
            :func:`ui_extra_args_dict` read, when present, for this parser.

    Example:
        >>> parser = get_empty_argument_parser()
        >>> parser.parse_args(["-f", "shop.py"]).locustfile
        'shop.py'
    """
    parser = empty_parser(add_help=add_help)
    parser.default_config_files = list(default_config_files)  # type: ignore[attr-defined]
    return parser


def setup_parser_arguments(parser: HordeArgumentParser) -> None:
    """Add every built-in option but ``-f`` and ``--config`` to ``parser``.

    Raises:
        TypeError: If ``parser`` does not come from :func:`get_empty_argument_parser`
            (a :class:`LocustArgumentParser`).

    Example:
        >>> parser = get_empty_argument_parser()
        >>> setup_parser_arguments(parser)
        >>> parser.parse_args(["-u", "3"]).num_users
        3
    """
    if not isinstance(parser, HordeArgumentParser):
        # The options declare their environment variables, which only it understands.
        raise TypeError(
            f"setup_parser_arguments() needs a LocustArgumentParser, got a "
            f"{type(parser).__name__}: start from get_empty_argument_parser()"
        )
    add_builtin_options(parser)


def get_parser(default_config_files: ConfigFiles = DEFAULT_CONFIG_FILES) -> HordeArgumentParser:
    """A fresh parser with every built-in option, then the locustfiles' own: it fires
    ``init_command_line_parser``, as Locust does."""
    parser = get_empty_argument_parser(add_help=True, default_config_files=default_config_files)
    setup_parser_arguments(parser)
    events.init_command_line_parser.fire(parser=parser)
    return parser


def _parse(
    parser: HordeArgumentParser,
    args: Sequence[str] | None,
    environ: Mapping[str, str] | None = None,
) -> argparse.Namespace:
    """Parse ``args`` (``sys.argv[1:]`` when None) over the config files and env vars."""
    early, _ = parser.parse_known_args(args)
    apply_config_sources(
        parser,
        getattr(early, "config", None),
        environ,
        default_files=getattr(parser, "default_config_files", DEFAULT_CONFIG_FILES),
        argv=sys.argv[1:] if args is None else args,
    )
    return parser.parse_args(args)


def parse_options(args: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the options as the ``locust`` command would (``sys.argv[1:]`` when None).

    Raises:
        SystemExit: For a bad or unknown option (exit code 2, with argparse's message),
            including ``--csv-full-history`` without ``--csv``.
    """
    parser = get_parser()
    options = _parse(parser, args)
    check_full_history(parser, options)
    return options


def default_args_dict() -> dict[str, Any]:
    """The built-in options' values with no arguments: their defaults, and environment
    variables (config files are not read: they may hold a locustfile's options).

    Example:
        >>> default_args_dict()["master_bind_port"]
        5557
    """
    parser = get_empty_argument_parser(default_config_files=())
    setup_parser_arguments(parser)
    return vars(_parse(parser, []))


def ui_extra_args_dict(args: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """The locustfiles' own options that show in the web UI, by destination.

    Each value is a dict of ``default_value`` (what ``args`` and the config sources
    make it), ``is_secret``, ``is_required``, ``is_multiple``, ``help_text`` and
    ``choices``.
    """
    builtin = default_args_dict()
    parser = get_parser()
    values = vars(_parse(parser, args))
    actions = {action.dest: action for action in parser._actions}
    extra: dict[str, dict[str, Any]] = {}
    for dest, value in values.items():
        ui = parser.web_ui_options.get(dest)
        if dest in builtin or ui is None or not ui.get("include_in_web_ui", True):
            continue
        extra[dest] = {
            "default_value": value,
            "is_secret": bool(ui.get("is_secret", False)),
            "is_required": bool(ui.get("is_required", False)),
            "is_multiple": bool(ui.get("is_multiple", False)),
            "help_text": actions[dest].help,
            "choices": actions[dest].choices,
        }
    return extra
