"""Option values from config files and environment variables.

Sources, lowest priority first (Locust's order, as it really behaves):
``~/.locust.conf``, ``~/.horde.conf``, ``./locust.conf``, ``./horde.conf``,
``./pyproject.toml`` (``[tool.locust]`` then ``[tool.horde]``), the ``--config`` file,
``LOCUST_*`` then ``HORDE_*`` environment variables, and the command line.
Each source becomes parser defaults, so the command line always wins.
"""

from __future__ import annotations

import argparse
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from horde.cli._parser import HordeArgumentParser

__all__ = ["DEFAULT_CONFIG_FILES", "apply_config_sources", "read_conf_file", "read_toml_file"]

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off", ""}


# configargparse's syntax (Locust's): the key ends at the first ':', '=' or blank; a value
# may be quoted ('x' or "x", quotes dropped) and followed by a ' #' or ' ;' comment.
_CONF_LINE = re.compile(
    r"^(?P<key>[^:=;#\s]+)\s*"
    r"(?:(?P<equal>[:=\s])\s*(['\"]?)(?P<value>.+?)?\3)?"
    r"\s*(?:\s[;#]\s*.*?\s*)?$"
)


def read_conf_file(path: Path) -> dict[str, Any]:
    """Read ``key = value`` / ``key: value`` / ``key value`` lines; ``[sections]`` are ignored.

    Example:
        >>> import pathlib, tempfile
        >>> conf = pathlib.Path(tempfile.mkdtemp()) / "locust.conf"
        >>> lines = ["host http://127.0.0.1:1  # the target", "headless", 'csv = "out/x"']
        >>> _ = conf.write_text("\\n".join(lines))
        >>> read_conf_file(conf)
        {'host': 'http://127.0.0.1:1', 'headless': 'true', 'csv': 'out/x'}
    """
    values: dict[str, Any] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        match = _CONF_LINE.match(line)
        if match is None:
            values[line] = ""
            continue
        value = match.group("value")
        if value is None:  # "key =" is empty, a bare "key" a switch turned on
            value = "" if match.group("equal") not in (None, " ") else "true"
        values[match.group("key")] = value
    return values


def read_toml_file(path: Path) -> dict[str, Any]:
    """Read the ``[tool.locust]`` and ``[tool.horde]`` tables (horde's win)."""
    with path.open("rb") as handle:
        tool = tomllib.load(handle).get("tool", {})
    return {**tool.get("locust", {}), **tool.get("horde", {})}


DEFAULT_CONFIG_FILES = (
    "~/.locust.conf",
    "~/.horde.conf",
    "locust.conf",
    "horde.conf",
    "pyproject.toml",
)
"""The config files read when present, lowest priority first (before ``--config``)."""


def _config_files(cli_config: str | None, defaults: Iterable[str | Path]) -> list[Path]:
    candidates = [Path(path).expanduser() for path in defaults]
    files = [path for path in candidates if path.is_file()]
    if cli_config:
        files.append(Path(cli_config))
    return files


def _read(path: Path) -> dict[str, Any]:
    return read_toml_file(path) if path.suffix == ".toml" else read_conf_file(path)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        return [item.strip().strip("'\"") for item in text[1:-1].split(",") if item.strip()]
    return [text] if text else []


def _convert(parser: HordeArgumentParser, action: argparse.Action, value: Any, where: str) -> Any:
    """Turn a config or env value into what the command line would have produced."""
    option = "/".join(action.option_strings)
    if action.nargs == 0:  # store_true
        text = str(value).strip().lower()
        if text in _TRUE or value is True:
            return True
        if text in _FALSE or value is False:
            return False
        parser.error(f"argument {option}: expected true or false, got {value!r} (from {where})")
    if action.nargs in ("*", "+") or isinstance(action, argparse._AppendAction):
        items = _as_list(value)
        return [action.type(item) for item in items] if callable(action.type) else items
    if callable(action.type):
        try:
            return action.type(str(value))
        except (argparse.ArgumentTypeError, ValueError) as exc:
            parser.error(f"argument {option}: {exc} (from {where})")
    return value


_Sourced = tuple[argparse.Action, Any, str]
"""An option's value from a config source: the action, the value, where it came from."""


def _file_values(
    parser: HordeArgumentParser, values: Mapping[str, Any], where: str, strict: bool
) -> Iterable[_Sourced]:
    by_option = parser._option_string_actions
    unknown: list[str] = []
    for key, value in values.items():
        action = by_option.get(f"--{key}") or _abbreviated(parser, key)
        if action is None or action.dest in ("help", "version"):
            unknown.append(f"--{key}={value}")
            continue
        yield action, value, where
    if unknown and strict:
        parser.error(f"unrecognized arguments: {' '.join(unknown)} (in {where})")


def _abbreviated(parser: HordeArgumentParser, key: str) -> argparse.Action | None:
    """The one option ``key`` abbreviates (``run-t``), as configargparse hands a config key
    to argparse's prefix matching."""
    matches = {candidate[0] for candidate in parser._get_option_tuples(f"--{key}")}
    return matches.pop() if len(matches) == 1 else None


def _given(parser: HordeArgumentParser, argv: Sequence[str]) -> set[str]:
    """The options ``argv`` gives (by ``dest``), whose config values are not used."""
    saved = [(action, action.default) for action in parser._actions]
    saved_defaults = parser._defaults
    try:
        parser._defaults = {}
        for action in parser._actions:
            action.default = argparse.SUPPRESS
        given, _ = parser.parse_known_args(list(argv))
    finally:
        parser._defaults = saved_defaults
        for action, default in saved:
            action.default = default
    return set(vars(given))


def _env_values(parser: HordeArgumentParser, environ: Mapping[str, str]) -> Iterable[_Sourced]:
    by_dest = {action.dest: action for action in parser._actions}
    for dest, names in parser.env_vars.items():
        for name in names:  # LOCUST_* first, so HORDE_* wins
            if name in environ:
                yield by_dest[dest], environ[name], f"environment variable {name}"


def apply_config_sources(
    parser: HordeArgumentParser,
    cli_config: str | None,
    environ: Mapping[str, str] | None = None,
    *,
    strict: bool = True,
    default_files: Iterable[str | Path] = DEFAULT_CONFIG_FILES,
    argv: Sequence[str] | None = None,
) -> None:
    """Set the parser's defaults from every config source, in priority order.

    Args:
        parser: The parser, with every option (locustfiles' custom ones included).
        cli_config: The ``--config`` file, if given.
        environ: The environment variables (default: the process's).
        strict: Whether an unknown config key is an error; the first pass, made only to
            find the locustfile before it adds its own options, is lenient.
        default_files: The config files read when present, before ``cli_config``.
        argv: The command line: the options it gives take no config value (nor is that
            value checked), as in Locust. None: every config value is applied.

    Raises:
        SystemExit: (through ``parser.error``, exit code 2) for an unknown key or a bad value.
    """
    environ = os.environ if environ is None else environ
    winners: dict[str, _Sourced] = {}  # by dest: the last source, the highest priority
    for path in _config_files(cli_config, default_files):
        try:
            values = _read(path)
        except FileNotFoundError:
            parser.error(f"config file {path} not found (from --config)")
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            parser.error(f"cannot read config file {path}: {exc}")
        for sourced in _file_values(parser, values, str(path), strict):
            winners[sourced[0].dest] = sourced
    for sourced in _env_values(parser, environ):
        winners[sourced[0].dest] = sourced
    # As in Locust, only the value that wins is checked: a bad one that a higher source
    # (the command line above all) overrides stops nothing.
    given = set() if argv is None else _given(parser, argv)
    parser.set_defaults(
        **{
            dest: _convert(parser, action, value, where)
            for dest, (action, value, where) in winners.items()
            if dest not in given
        }
    )
