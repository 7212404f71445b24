"""The ``horde`` command line: Locust's options, with its names, defaults and env vars.

Each option is declared once with the config-file key and environment variable it
answers to (see :mod:`horde.cli._config` for the precedence).
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from horde.cli._timespan import TIMESPAN_HELP, parse_timespan
from horde.engine import DEFAULT_MAX_CONCURRENCY, ArrivalRate

__all__ = [
    "HordeArgumentParser",
    "add_builtin_options",
    "build_parser",
    "check_full_history",
    "empty_parser",
]


_EXTRA_KEYWORDS = ("include_in_web_ui", "is_secret", "is_required", "is_multiple")


def _pop_extras(kwargs: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    env_var = kwargs.pop("env_var", None)
    ui = {key: kwargs.pop(key) for key in _EXTRA_KEYWORDS if key in kwargs}
    return env_var, ui


class _Group(argparse._ArgumentGroup):
    """An argument group that understands the extra keywords, like its parser."""

    def __init__(self, parser: HordeArgumentParser, *args: Any, **kwargs: Any) -> None:
        super().__init__(parser, *args, **kwargs)
        self._horde_parser = parser

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        env_var, ui = _pop_extras(kwargs)
        action = super().add_argument(*args, **kwargs)
        self._horde_parser._register(action, env_var, ui)
        return action


class HordeArgumentParser(argparse.ArgumentParser):
    """An argument parser whose options may also come from config files and env vars.

    ``add_argument`` accepts Locust's extra keywords: ``env_var`` names an environment
    variable (its ``HORDE_`` twin works too), and ``include_in_web_ui``, ``is_secret``,
    ``is_required``, ``is_multiple`` describe how the option shows in the web UI.

    Example:
        >>> parser = HordeArgumentParser(prog="demo")
        >>> _ = parser.add_argument("--shop-id", env_var="LOCUST_SHOP_ID", default="1")
        >>> parser.env_vars["shop_id"]
        ['LOCUST_SHOP_ID', 'HORDE_SHOP_ID']
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.env_vars: dict[str, list[str]] = {}
        """Option dest → the environment variables that set it."""
        self.web_ui_options: dict[str, dict[str, Any]] = {}
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        """Add an option; see the class docstring for the extra keywords."""
        env_var, ui = _pop_extras(kwargs)
        action = super().add_argument(*args, **kwargs)
        self._register(action, env_var, ui)
        return action

    def add_argument_group(self, *args: Any, **kwargs: Any) -> _Group:
        """Add a group whose options accept the same extra keywords."""
        group = _Group(self, *args, **kwargs)
        self._action_groups.append(group)
        return group

    def _register(self, action: argparse.Action, env_var: str | None, ui: dict[str, Any]) -> None:
        if env_var:
            names = [env_var]
            if env_var.startswith("LOCUST_"):
                names.append("HORDE_" + env_var.removeprefix("LOCUST_"))
            self.env_vars[action.dest] = names
        if action.option_strings:
            self.web_ui_options[action.dest] = ui


def _parse_number(value: str, kind: type[int] | type[float]) -> int | float:
    """``int(value)`` or ``float(value)``, failing with argparse's own words for a bad one
    (whatever the source: the command line, a config file or the environment)."""
    try:
        return kind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {value!r}") from None


def _positive_float(value: str) -> float:
    number = float(_parse_number(value, float))
    if not math.isfinite(number) or number <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return number


def _user_count(value: str) -> int:
    number = int(_parse_number(value, int))
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def _arrival_rate(value: str) -> ArrivalRate:
    try:
        return ArrivalRate.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _concurrency(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a whole number of users, e.g. 500"
        ) from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _timespan(value: str) -> int:
    try:
        return parse_timespan(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"Invalid time span format. {TIMESPAN_HELP}") from None


def _expect_workers(value: str) -> int:
    number = int(_parse_number(value, int))
    if number < 1:
        raise argparse.ArgumentTypeError(
            f"Invalid --expect-workers argument ({number}), must be a positive number"
        )
    return number


def _processes(value: str) -> int | None:
    """``--processes``: ``auto`` is -1; 0 forks none, as if the option were not given
    (as in Locust, where 0 is false)."""
    if value.strip().lower() == "auto":
        return -1
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid value {value!r}: give a number of processes, or auto"
        ) from None
    return number or None


_COMMON_OPTIONS = "Common options"


def _common_group(parser: HordeArgumentParser) -> argparse._ArgumentGroup:
    """The "Common options" group: the empty parser's, or a new one."""
    for group in parser._action_groups:
        if group.title == _COMMON_OPTIONS:
            return group
    return parser.add_argument_group(_COMMON_OPTIONS)


def _common(parser: HordeArgumentParser) -> None:
    add = _common_group(parser).add_argument
    add(
        "-H",
        "--host",
        env_var="LOCUST_HOST",
        help="Host to load test, e.g. http://127.0.0.1:8080; overrides the classes' host",
    )
    add(
        "-u",
        "--users",
        type=_user_count,
        dest="num_users",
        env_var="LOCUST_USERS",
        help="Peak number of concurrent users",
    )
    add(
        "-r",
        "--spawn-rate",
        type=_positive_float,
        env_var="LOCUST_SPAWN_RATE",
        help="Rate to spawn users at (users per second)",
    )
    add(
        "-t",
        "--run-time",
        type=_timespan,
        env_var="LOCUST_RUN_TIME",
        help="Stop after this long, e.g. 300s, 20m, 3h, 1h30m",
    )
    add(
        "--step-users",
        type=_user_count,
        env_var="HORDE_STEP_USERS",
        help="Capacity test: add this many users per step, up to -u (with --step-time)",
    )
    add(
        "--step-time",
        type=_timespan,
        env_var="HORDE_STEP_TIME",
        help="Capacity test: how long each step is held, e.g. 20s",
    )
    add(
        "--arrival-rate",
        type=_arrival_rate,
        env_var="HORDE_ARRIVAL_RATE",
        help="Open model: start iterations on a schedule, e.g. 200/s, 600/m, or a ramp "
        "50/s..500/s over -t (in --step-time plateaus if given); each runs one task of an "
        "idle user",
    )
    add(
        "--max-concurrency",
        type=_concurrency,
        env_var="HORDE_MAX_CONCURRENCY",
        help="Open model: the most iterations running at once (users in the pool); "
        f"iterations beyond it wait and start late (default {DEFAULT_MAX_CONCURRENCY})",
    )
    add(
        "-l",
        "--list",
        action="store_true",
        dest="list_commands",
        help="Show the list of available user classes and exit",
    )
    add(
        "--config-users",
        nargs="*",
        env_var="LOCUST_CONFIG_USERS",
        help="User class configuration as JSON objects or .json files",
    )


def _web(parser: HordeArgumentParser) -> None:
    group = parser.add_argument_group("Web UI options")
    add = group.add_argument
    add("--web-host", default="", env_var="LOCUST_WEB_HOST", help="Host to bind the web UI to")
    add(
        "-P",
        "--web-port",
        type=int,
        default=8089,
        env_var="LOCUST_WEB_PORT",
        help="Port the web UI listens on",
    )
    add(
        "--headless",
        action="store_true",
        env_var="LOCUST_HEADLESS",
        help="Run without the web UI and start the test at once",
    )
    add(
        "--autostart",
        action="store_true",
        env_var="LOCUST_AUTOSTART",
        help="Start the test at once, keeping the web UI",
    )
    add(
        "--autoquit",
        type=int,
        default=-1,
        env_var="LOCUST_AUTOQUIT",
        help="Quit this many seconds after the run (with --autostart)",
    )
    add("--headful", action="store_true", env_var="LOCUST_HEADFUL", help=argparse.SUPPRESS)
    add("--web-login", action="store_true", env_var="LOCUST_WEB_LOGIN", help="Require a login")
    add("--tls-cert", default="", env_var="LOCUST_TLS_CERT", help="TLS certificate for the web UI")
    add("--tls-key", default="", env_var="LOCUST_TLS_KEY", help="TLS key for the web UI")
    add(
        "--class-picker",
        action="store_true",
        env_var="LOCUST_USERCLASS_PICKER",
        help="Choose user classes in the web UI",
    )
    add("--web-base-path", default="", env_var="LOCUST_WEB_BASE_PATH", help="Web UI URL prefix")


def _distributed(parser: HordeArgumentParser) -> None:
    group = parser.add_argument_group("Distributed options")
    add = group.add_argument
    add("--master", action="store_true", env_var="LOCUST_MODE_MASTER", help="Run as master")
    add(
        "--master-bind-host",
        default="*",
        env_var="LOCUST_MASTER_BIND_HOST",
        help="Interface the master listens on",
    )
    add(
        "--master-bind-port",
        type=int,
        default=5557,
        env_var="LOCUST_MASTER_BIND_PORT",
        help="Port the master listens on",
    )
    add(
        "--expect-workers",
        type=_expect_workers,
        default=1,
        env_var="LOCUST_EXPECT_WORKERS",
        help="Workers the master waits for before starting (headless)",
    )
    add(
        "--expect-workers-max-wait",
        type=int,
        default=0,
        env_var="LOCUST_EXPECT_WORKERS_MAX_WAIT",
        help="Give up waiting for workers after this",
    )
    add("--enable-rebalancing", action="store_true", help="Rebalance users when workers change")
    add("--worker", action="store_true", env_var="LOCUST_MODE_WORKER", help="Run as worker")
    add(
        "--processes",
        type=_processes,
        env_var="LOCUST_PROCESSES",
        help=(
            "Run a master and this many local worker processes (auto or -1: one per core; 0: none)"
        ),
    )
    add(
        "--master-host",
        default="127.0.0.1",
        env_var="LOCUST_MASTER_NODE_HOST",
        help="Master host a worker connects to",
    )
    add(
        "--master-port",
        type=int,
        default=5557,
        env_var="LOCUST_MASTER_NODE_PORT",
        help="Master port a worker connects to",
    )


def _tags_and_stats(parser: HordeArgumentParser) -> None:
    tags = parser.add_argument_group("Tag options")
    tags.add_argument(
        "-T",
        "--tags",
        nargs="*",
        metavar="TAG",
        env_var="LOCUST_TAGS",
        help="Only run tasks with any of these tags",
    )
    tags.add_argument(
        "-E",
        "--exclude-tags",
        nargs="*",
        metavar="TAG",
        env_var="LOCUST_EXCLUDE_TAGS",
        help="Leave out tasks with any of these tags",
    )
    group = parser.add_argument_group("Request statistics options")
    add = group.add_argument
    add(
        "--csv",
        dest="csv_prefix",
        env_var="LOCUST_CSV",
        help="Write statistics to CSV files with this prefix",
    )
    add(
        "--csv-full-history",
        action="store_true",
        dest="stats_history_enabled",
        env_var="LOCUST_CSV_FULL_HISTORY",
        help="Write every entry to _stats_history.csv",
    )
    add(
        "--print-stats",
        action="store_true",
        env_var="LOCUST_PRINT_STATS",
        help="Print the stats table during the run",
    )
    add(
        "--only-summary",
        action="store_true",
        env_var="LOCUST_ONLY_SUMMARY",
        help="Only print the summary at the end",
    )
    add(
        "--reset-stats",
        action="store_true",
        env_var="LOCUST_RESET_STATS",
        help="Reset statistics once spawning is complete",
    )
    add("--html", dest="html_file", env_var="LOCUST_HTML", help="Write an HTML report to this file")
    add(
        "--check",
        action="append",
        dest="checks",
        metavar="EXPR",
        help="A threshold the run must meet, e.g. 'p95<2000', 'fail_ratio<0.01', "
        "'p99[GET /api/products]<800' (repeatable); a failed check exits with code 3",
    )
    add(
        "--check-abort",
        action="store_true",
        help="Stop the run as soon as a check fails (evaluated every second)",
    )
    add(
        "--summary-json",
        metavar="PATH",
        env_var="HORDE_SUMMARY_JSON",
        help="Write a JSON summary of the run: totals, endpoints, per-second series, checks",
    )
    add("--json", action="store_true", help="Print the final statistics as JSON")
    add("--json-file", help="Write the final statistics as JSON to this file (.json appended)")


def _other(parser: HordeArgumentParser) -> None:
    group = parser.add_argument_group("Logging options")
    group.add_argument(
        "--skip-log-setup",
        action="store_true",
        env_var="LOCUST_SKIP_LOG_SETUP",
        help="Leave logging unconfigured",
    )
    group.add_argument(
        "-L",
        "--loglevel",
        default="INFO",
        env_var="LOCUST_LOGLEVEL",
        help="DEBUG, INFO, WARNING, ERROR or CRITICAL",
    )
    group.add_argument("--logfile", env_var="LOCUST_LOGFILE", help="Log to this file")
    other = parser.add_argument_group("Other options")
    add = other.add_argument
    add("--show-task-ratio", action="store_true", help="Print the task ratios and exit")
    add("--show-task-ratio-json", action="store_true", help="Print the task ratios as JSON")
    add("-V", "--version", action="store_true", help="Show the version and exit")
    add(
        "--exit-code-on-error",
        type=int,
        default=1,
        env_var="LOCUST_EXIT_CODE_ON_ERROR",
        help="Exit code when there were failures or errors",
    )
    add(
        "-s",
        "--stop-timeout",
        type=_timespan,
        default=0,
        env_var="LOCUST_STOP_TIMEOUT",
        help="Time given to users to finish their task when stopping",
    )
    add("--equal-weights", action="store_true", help="Give every user class and task equal weight")
    add("--profile", help="A name for this run, shown in reports")
    add(
        "--otel",
        action="store_true",
        env_var="LOCUST_ENABLE_OPENTELEMETRY",
        help="OpenTelemetry export: not available yet (accepted, with a warning)",
    )
    parser.add_argument(
        "user_classes", nargs="*", metavar="UserClass", help="Only run these user classes"
    )


def check_full_history(parser: HordeArgumentParser, options: argparse.Namespace) -> None:
    """Locust's rule: ``--csv-full-history`` needs ``--csv``.

    Raises:
        SystemExit: (through ``parser.error``, exit code 2) when it is missing.
    """
    if options.stats_history_enabled and not options.csv_prefix:
        parser.error("'--csv-full-history' requires '--csv'.")


def empty_parser(prog: str = "horde", add_help: bool = True) -> HordeArgumentParser:
    """A parser with only ``-f/--locustfile`` and ``--config``, the options read before
    the locustfiles are imported; :func:`add_builtin_options` adds the rest."""
    parser = HordeArgumentParser(
        prog=prog,
        usage=f"{prog} [options] [UserClass ...]",
        description="Run a locustfile's users against a target and report the results.",
        epilog=f"Subcommands: '{prog} demo' runs the demo shop test; "
        f"'{prog} serve-demo --port P' serves the demo shop alone.",
        add_help=add_help,
    )
    add = _common_group(parser).add_argument
    add(
        "-f",
        "--locustfile",
        default="locustfile.py",
        env_var="LOCUST_LOCUSTFILE",
        help="Python file(s), comma separated, or a directory of them, to import user classes from",
    )
    add("--config", help="File to read additional configuration from")
    return parser


def add_builtin_options(parser: HordeArgumentParser) -> None:
    """Add every built-in option but ``-f`` and ``--config`` to ``parser`` (one from
    :func:`empty_parser`)."""
    _common(parser)
    _web(parser)
    _distributed(parser)
    _tags_and_stats(parser)
    _other(parser)


def build_parser(prog: str = "horde") -> HordeArgumentParser:
    """The full ``horde`` parser, before locustfiles add their own options."""
    parser = empty_parser(prog)
    add_builtin_options(parser)
    return parser


def builtin_option_names() -> frozenset[str]:
    """The destinations of horde's own options (locustfiles may add more)."""
    return frozenset(action.dest for action in build_parser()._actions)
