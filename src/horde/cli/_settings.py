"""Settings: the parsed options horde itself acts on, frozen."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from horde.engine import ArrivalRate
from horde.report import Check, parse_check

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    """What the command line, env vars and config files asked for.

    ``environment.parsed_options`` keeps the full argparse namespace (with the options
    locustfiles add); horde's own code reads this object.
    """

    locustfile: str
    host: str | None
    num_users: int | None
    spawn_rate: float | None
    run_time: int | None
    headless: bool
    autostart: bool
    tags: list[str] | None
    exclude_tags: list[str] | None
    csv_prefix: str | None
    full_history: bool
    print_stats: bool
    only_summary: bool
    reset_stats: bool
    html_file: str | None
    json: bool
    json_file: str | None
    loglevel: str
    logfile: str | None
    skip_log_setup: bool
    exit_code_on_error: int
    stop_timeout: int
    user_classes: list[str]
    equal_weights: bool
    list_commands: bool
    show_task_ratio: bool
    show_task_ratio_json: bool
    profile: str | None
    config_users: list[str]
    checks: tuple[Check, ...]
    step_users: int | None
    summary_json: str | None
    step_time: int | None
    check_abort: bool
    arrival_rate: ArrivalRate | None
    max_concurrency: int | None
    options: argparse.Namespace
    """The whole namespace, for the options horde does not act on itself."""

    @property
    def closed_load(self) -> tuple[int, float]:
        """``-u`` and ``-r``, or Locust's headless defaults for those not given: 1 and 1."""
        users = 1 if self.num_users is None else self.num_users
        return users, 1 if self.spawn_rate is None else self.spawn_rate

    @classmethod
    def from_namespace(cls, options: argparse.Namespace) -> Settings:
        """Pick horde's fields out of the parsed namespace."""
        return cls(
            locustfile=options.locustfile,
            host=options.host,
            num_users=options.num_users,
            spawn_rate=options.spawn_rate,
            run_time=options.run_time,
            headless=options.headless and not options.headful,
            autostart=options.autostart,
            tags=options.tags,
            exclude_tags=options.exclude_tags,
            csv_prefix=options.csv_prefix,
            full_history=options.stats_history_enabled,
            print_stats=options.print_stats,
            only_summary=options.only_summary,
            reset_stats=options.reset_stats,
            html_file=options.html_file,
            json=options.json,
            json_file=options.json_file,
            loglevel=options.loglevel,
            logfile=options.logfile,
            skip_log_setup=options.skip_log_setup,
            exit_code_on_error=options.exit_code_on_error,
            stop_timeout=options.stop_timeout,
            user_classes=list(options.user_classes or []),
            equal_weights=options.equal_weights,
            list_commands=options.list_commands,
            show_task_ratio=options.show_task_ratio,
            show_task_ratio_json=options.show_task_ratio_json,
            profile=options.profile,
            config_users=list(options.config_users or []),
            checks=tuple(parse_check(text) for text in options.checks or []),
            check_abort=options.check_abort,
            step_users=options.step_users,
            summary_json=options.summary_json,
            step_time=options.step_time,
            arrival_rate=options.arrival_rate,
            max_concurrency=options.max_concurrency,
            options=options,
        )
