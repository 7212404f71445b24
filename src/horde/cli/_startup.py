"""From argv to a ready Environment: options, locustfiles, user classes, checks."""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import resource
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from horde import __version__
from horde.cli._config import apply_config_sources
from horde.cli._distributed import check_distributed
from horde.cli._locustfile import LoadedLocustfiles, load_locustfiles, resolve_locustfiles
from horde.cli._logging import setup_logging
from horde.cli._parser import HordeArgumentParser, build_parser, check_full_history
from horde.cli._settings import Settings
from horde.cli._task_ratio import show_task_ratio
from horde.engine import Environment, LoadTestShape, StepLoadShape, runnable
from horde.event import events
from horde.exceptions import ConfigError, LocustfileError, UsageError
from horde.runtime import local_ports
from horde.user import FastHttpUser, HttpUser, User

__all__ = ["Startup", "prepare"]

logger = logging.getLogger("horde.main")


@dataclass
class Startup:
    """Everything the run needs, once the command line was understood."""

    settings: Settings
    environment: Environment


def _version_line() -> str:
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return f"horde {__version__} from {package_dir} (Python {sys.version.split()[0]})"


def _preparse(argv: Sequence[str]) -> argparse.Namespace:
    """The options needed before the locustfiles are loaded."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("-f", "--locustfile")
    pre.add_argument("--config")
    pre.add_argument("-h", "--help", action="store_true")
    pre.add_argument("-V", "--version", action="store_true")
    known, _ = pre.parse_known_args(argv)
    return known


def _load(early: argparse.Namespace, argv: Sequence[str]) -> LoadedLocustfiles | None:
    if early.version:
        print(_version_line())
        raise SystemExit(0)
    first_pass = build_parser()
    apply_config_sources(first_pass, early.config, strict=False, argv=argv)
    spec = early.locustfile or first_pass.get_default("locustfile")
    try:
        return load_locustfiles(resolve_locustfiles(spec))
    except LocustfileError:
        if early.help:  # help works without a locustfile
            return None
        raise


def _select_classes(settings: Settings, loaded: LoadedLocustfiles) -> list[type[User]]:
    if not loaded.user_classes:
        raise LocustfileError("No User class found!")
    from_env = os.environ.get("HORDE_USER_CLASSES") or os.environ.get("LOCUST_USER_CLASSES", "")
    names = settings.user_classes or from_env.split()
    if not names:
        return list(loaded.user_classes.values())
    unknown = sorted(set(names) - set(loaded.user_classes))
    if unknown:
        raise LocustfileError(f"Unknown User(s): {', '.join(unknown)}")
    return [loaded.user_classes[name] for name in sorted(set(names))]


def _check_options(parser: HordeArgumentParser, settings: Settings) -> None:
    options = settings.options
    check_full_history(parser, options)
    _check_host(settings.host)
    if options.autoquit != -1 and not settings.autostart:
        raise ConfigError("--autoquit is only meaningful in combination with --autostart", 1)
    check_distributed(settings)
    inspect_only = (
        settings.list_commands or settings.show_task_ratio or settings.show_task_ratio_json
    )
    headless = settings.headless or settings.autostart or options.worker
    if not headless and not inspect_only:
        raise ConfigError(
            "the web UI is not available in this version of horde: add --headless "
            "(with -u, -r and -t) to run from the command line",
            2,
        )


def _check_host(
    host: str | None, where: str = "--host", error: type[ConfigError] = ConfigError
) -> None:
    """Refuse an ``http(s)://`` host that cannot be parsed (``http://[::1``, a port that
    is no number, no host at all): every HTTP request would fail with a traceback. Other
    hosts (``mongodb://h1,h2/db``, a bare ``host:port``) are for the users' own clients,
    unless an HTTP user is to use them (see :func:`_check_http_hosts`)."""
    if not host or not host.lower().startswith(("http://", "https://")):
        return
    try:
        parts = urlsplit(host)
        _ = parts.port  # checked when read
    except ValueError as exc:
        raise error(f"{where} {host!r} is not a valid URL: {exc}") from None
    if not parts.hostname:
        raise error(f"{where} {host!r} names no host: write http://HOST[:PORT]")


def _check_http_hosts(host: str | None, user_classes: Sequence[type[User]]) -> None:
    """Refuse the host of an ``HttpUser`` or ``FastHttpUser`` that is no ``http(s)://`` URL
    (``-H 127.0.0.1:8080``, or the class's own ``host``): its client would fail every
    request, each with a traceback. ``host`` (``--host``) replaces the classes' own."""
    for cls in user_classes:
        if not issubclass(cls, (HttpUser, FastHttpUser)):
            continue
        url = host or (cls.host if isinstance(cls.host, str) else None)
        if not url:
            continue  # the user stops with "You must specify the base host", as Locust's
        where, error = (
            ("--host", ConfigError) if host else (f"{cls.__name__}.host", LocustfileError)
        )
        if not url.lower().startswith(("http://", "https://")):
            scheme, separator, _ = url.partition("://")
            fix = (
                f"its scheme must be http:// or https://, not {scheme}://"
                if separator and scheme.isalnum()
                else f"write http://{url} or https://{url}"
            )
            raise error(
                f"{where} {url!r} is not a URL {cls.__name__} can request (an HTTP user): {fix}"
            )
        if not host:  # --host was checked with the options
            _check_host(url, where, error)


def _check_counts(
    user_classes: Sequence[type[User]], error: type[ConfigError], where: str = ""
) -> None:
    """Refuse a ``weight`` that is not a number of 0 or more, or a ``fixed_count`` that is
    not a whole one (a string from a config, say), before anything divides by them.

    Raises:
        ConfigError: Of the given kind (a LocustfileError exits 1, an option's error 2).
    """
    for cls in user_classes:
        for attribute, kinds in (("weight", (int, float)), ("fixed_count", (int,))):
            value = getattr(cls, attribute)
            if isinstance(value, bool) or not isinstance(value, kinds) or not 0 <= value < math.inf:
                whole = "whole " if attribute == "fixed_count" else ""
                raise error(
                    f"{where}{cls.__name__}.{attribute} must be a {whole}number of 0 or more, "
                    f"not {value!r}"
                )


def _configure_user_classes(environment: Environment, values: list[str]) -> None:
    """``--config-users``: JSON objects (or lists of them, or .json files) of class settings."""
    for value in values:
        try:
            text = Path(value).read_text(encoding="utf-8") if value.endswith(".json") else value
            parsed = json.loads(text)
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"--config-users {value!r}: not JSON or a readable .json file ({exc})", 2
            ) from None
        for settings in parsed if isinstance(parsed, list) else [parsed]:
            if not isinstance(settings, dict) or "user_class_name" not in settings:
                raise ConfigError(
                    f"--config-users: each entry needs a user_class_name: {settings!r}", 2
                )
            try:
                environment.update_user_class(settings)
            except UsageError as exc:
                raise ConfigError(f"--config-users: {exc}", -1) from None


def _raise_open_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            logger.warning(
                "System open file limit '%s' is below the minimum setting '10000'. It's not "
                "high enough for load testing; raise it with `ulimit -n`.",
                soft,
            )


def _warn_about_local_ports(settings: Settings) -> None:
    """Warn when the users' connections to one host would outgrow the quick local ports."""
    if settings.options.master and not settings.options.processes:
        return  # the users run on the workers' machines
    users = max(settings.num_users or 0, settings.max_concurrency or 0)
    ports = local_ports()
    if ports is None or users <= ports.without_search:
        return
    logger.warning(
        "%d users may keep as many connections to one host, and their local ports come "
        "from net.ipv4.ip_local_port_range (%s here): past %d connections to one address "
        "and port, every new one scans that range for a free port, which slows the ramp "
        "and takes the generator's CPU. Widen the range, e.g. "
        '`sysctl -w net.ipv4.ip_local_port_range="1024 65535"`.',
        users,
        ports,
        ports.without_search,
    )


def _step_shape(settings: Settings, loaded: LoadedLocustfiles) -> StepLoadShape:
    if not settings.step_users or not settings.step_time or not settings.num_users:
        raise ConfigError(
            "a step load needs --step-users, --step-time and -u (the last step's users), "
            "e.g. --step-users 25 --step-time 20s -u 200",
            2,
        )
    if loaded.shapes:
        logger.warning(
            "Running the step load; the locustfile's shape %s is not used",
            next(iter(loaded.shapes)),
        )
    shape = StepLoadShape(
        settings.step_users, settings.step_time, settings.num_users, settings.spawn_rate
    )
    shape.use_common_options = True  # it reads -u and -r itself; -t still caps the run
    logger.info(
        "Step load: %d steps of %d users, %d s each (%d s in all)",
        shape.step_count,
        settings.step_users,
        settings.step_time,
        shape.duration,
    )
    return shape


def _check_open_model(settings: Settings, loaded: LoadedLocustfiles) -> None:
    """``--arrival-rate`` replaces users and shapes: refuse what cannot go with it."""
    rate = settings.arrival_rate
    if rate is None:
        if settings.max_concurrency is not None:
            raise ConfigError("--max-concurrency goes with --arrival-rate (the open model)", 2)
        for check in settings.checks:
            if check.open_model:
                raise ConfigError(
                    f"--check {check.text!r}: {check.metric} is measured in the open model "
                    "only (--arrival-rate)",
                    2,
                )
        return
    if settings.step_users is not None:
        raise ConfigError(
            "--step-users adds users, which the open model (--arrival-rate) has none of: "
            "ramp the rate instead, e.g. --arrival-rate 50/s..500/s -t 5m --step-time 30s",
            2,
        )
    if rate.ramps and not settings.run_time:
        raise ConfigError(
            f"a ramping arrival rate ({rate.start:g}/s to {rate.end:g}/s) needs -t, the time "
            "it ramps over (more than 0)",
            2,
        )
    if settings.step_time is not None:
        if settings.step_time <= 0:
            raise ConfigError(
                "--step-time must be more than 0: it is how long each plateau of the rate "
                "lasts, e.g. --step-time 30s",
                2,
            )
        if not rate.ramps:
            logger.warning(
                "--step-time is not used: the arrival rate %g/s does not ramp (give a ramp, "
                "e.g. --arrival-rate 50/s..500/s)",
                rate.start,
            )
        elif settings.run_time and settings.step_time >= settings.run_time:
            logger.warning(
                "--step-time %d s is not shorter than the run (-t %d s): the rate stays at "
                "%g/s and never climbs",
                settings.step_time,
                settings.run_time,
                rate.start,
            )
    if settings.num_users is not None or settings.spawn_rate is not None:
        logger.warning("-u and -r are not used by the open model (--arrival-rate)")
    if loaded.shapes:
        logger.warning(
            "Running the arrival rate; the locustfile's shape %s is not used",
            next(iter(loaded.shapes)),
        )


def _shape(settings: Settings, loaded: LoadedLocustfiles) -> LoadTestShape | None:
    _check_open_model(settings, loaded)
    if settings.arrival_rate is not None:
        return None
    if settings.step_users is not None or settings.step_time is not None:
        return _step_shape(settings, loaded)
    shape = next(iter(loaded.shapes.values()), None)
    common = settings.run_time or settings.num_users or settings.spawn_rate
    if shape is not None and not shape.use_common_options and common:
        logger.warning(
            "--run-time, --users or --spawn-rate have no impact on LoadShapes unless the "
            "shape class explicitly reads them (set use_common_options = True)"
        )
        flags = (
            ("--users", settings.num_users),
            ("--spawn-rate", settings.spawn_rate),
            ("--run-time", settings.run_time),
        )
        ignored = ", ".join(flag for flag, value in flags if value)
        logger.warning("The following option(s) will be ignored: %s", ignored)
    return shape


def prepare(argv: Sequence[str]) -> Startup | None:
    """Parse options and load locustfiles; ``None`` when the command was fully handled.

    Raises:
        ConfigError: For any user mistake, with the exit code it leads to.
        SystemExit: For argparse errors (exit 2), ``--help`` and ``--version``.
    """
    parser = build_parser()
    early = _preparse(argv)
    loaded = _load(early, argv)
    events.init_command_line_parser.fire(parser=parser)
    apply_config_sources(parser, early.config, argv=argv)
    options = parser.parse_args(argv)
    assert loaded is not None  # without a locustfile only --help gets here, and it exits
    settings = Settings.from_namespace(options)
    _check_options(parser, settings)
    if not settings.skip_log_setup:
        try:
            setup_logging(settings.loglevel, settings.logfile)
        except (ValueError, OSError) as exc:
            raise ConfigError(f"--loglevel/--logfile: {exc}", 2) from None
    logger.info("Starting horde %s", __version__)
    if options.otel:
        logger.warning("--otel: horde does not export OpenTelemetry yet; it is ignored")
    if settings.list_commands:
        print("Available Users:")
        for name in loaded.user_classes:
            print(f"    {name}")
        return None
    user_classes = _select_classes(settings, loaded)
    _check_counts(user_classes, LocustfileError)
    _check_http_hosts(settings.host, user_classes)
    total_fixed = sum(cls.fixed_count for cls in user_classes)
    if settings.num_users is not None and total_fixed > settings.num_users:
        logger.info(
            "Total fixed_count of User classes (%d) is greater than the specified number of "
            "users (%d), so not all will be spawned.",
            total_fixed,
            settings.num_users,
        )
    _raise_open_file_limit()
    _warn_about_local_ports(settings)
    try:
        environment = _environment(settings, options, loaded, user_classes)
    except ValueError as exc:  # e.g. every class has weight 0
        raise LocustfileError(str(exc)) from None
    _configure_user_classes(environment, settings.config_users)
    if settings.equal_weights:
        environment.assign_equal_weights()
    if settings.config_users:
        _check_counts(environment.user_classes, ConfigError, "--config-users: ")
        try:
            runnable(environment.user_classes)
        except ValueError:
            raise ConfigError(
                "--config-users: no user class is left with a weight or fixed_count above 0"
            ) from None
    _drop_classes_without_tasks(environment)
    if settings.show_task_ratio or settings.show_task_ratio_json:
        print(show_task_ratio(environment, settings.num_users, settings.show_task_ratio_json))
        return None
    return Startup(settings, environment)


def _environment(
    settings: Settings,
    options: argparse.Namespace,
    loaded: LoadedLocustfiles,
    user_classes: list[type[User]],
) -> Environment:
    return Environment(
        user_classes=user_classes,
        shape_class=_shape(settings, loaded),
        tags=settings.tags,
        exclude_tags=settings.exclude_tags,
        locustfile=os.path.basename(str(loaded.paths[0])),
        events=events,
        host=settings.host,
        reset_stats=settings.reset_stats,
        stop_timeout=settings.stop_timeout,
        parsed_options=options,
        parsed_locustfiles=[str(path) for path in loaded.paths],
        available_user_classes=loaded.user_classes,
        available_shape_classes=loaded.shapes,
        profile=settings.profile,
    )


def _drop_classes_without_tasks(environment: Environment) -> None:
    """After ``--tags``/``--exclude-tags``, run only the classes that still have tasks."""
    if not (environment.tags or environment.exclude_tags):
        return
    empty = [cls.__name__ for cls in environment.user_classes if not cls.tasks]
    if not empty:
        return
    if len(empty) == len(environment.user_classes):
        raise LocustfileError(
            f"--tags/--exclude-tags leave no task to run in {', '.join(empty)}: "
            "check the tag names against the @tag decorators in the locustfile"
        )
    logger.warning("Not running %s: no task is left after tag filtering", ", ".join(empty))
    environment.user_classes = [cls for cls in environment.user_classes if cls.tasks]
