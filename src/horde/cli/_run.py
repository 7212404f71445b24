"""Running a locustfile as the command line asks, from start-up to shutdown."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from horde.cli._headless import run_headless
from horde.cli._logging import STATS_LOGGER
from horde.cli._startup import Startup, prepare
from horde.compat import locust_alias
from horde.compat.locust import stats as locust_stats
from horde.exceptions import ConfigError
from horde.report import CsvWriter, final_report
from horde.runtime import cooperative_sleep, run

__all__ = ["run_command"]

logger = logging.getLogger("horde.main")


def run_command(args: Sequence[str]) -> int:
    """Run a locustfile as the command line asks; return the exit code."""
    try:
        with locust_alias(), cooperative_sleep():
            startup = prepare(args)
            if startup is None:
                return 0
            return _run(startup)
    except ConfigError as exc:
        print(f"horde: error: {exc}", file=sys.stderr)
        return exc.exit_code


def _run(startup: Startup) -> int:
    settings = startup.settings
    environment = startup.environment
    if settings.html_file:
        raise ConfigError("--html: HTML reports are not available in this version of horde", 2)
    runner = environment.create_local_runner()
    listener_errors = environment.events.listener_errors
    environment.events.init.fire(environment=environment, runner=runner, web_ui=None)
    if environment.events.listener_errors > listener_errors:
        raise ConfigError("an init event handler failed (see the log above)", 1)
    csv_writer = None
    if settings.csv_prefix:
        try:
            csv_writer = CsvWriter(
                settings.csv_prefix,
                full_history=settings.full_history,
                percentiles=locust_stats.PERCENTILES_TO_REPORT,
            )
        except OSError as exc:
            raise ConfigError(
                f"--csv {settings.csv_prefix}: cannot write there ({exc})", 1
            ) from None
    run(run_headless(startup, csv_writer))
    return _shutdown(startup, csv_writer)


def _exit_code(startup: Startup) -> int:
    environment = startup.environment
    runner = environment.runner
    if environment.process_exit_code is not None:
        return environment.process_exit_code
    if runner.errors or runner.exceptions:
        return startup.settings.exit_code_on_error
    if environment.events.listener_errors or runner.unhandled_errors:
        return 2
    return 0


def _shutdown(startup: Startup, csv_writer: CsvWriter | None) -> int:
    """Locust's shutdown order: quitting, exit code, final output, quit, files closed."""
    settings = startup.settings
    environment = startup.environment
    stats = environment.stats
    environment.events.quitting.fire(reverse=True, environment=environment)
    code = _exit_code(startup)
    logger.info("Shutting down (exit code %d)", code)
    # The CSV files get the final state first: serializing for --json resets the entries.
    if csv_writer is not None:
        csv_writer.close(stats, environment.runner.exceptions, environment.runner.user_count)
    percentiles = locust_stats.PERCENTILES_TO_REPORT  # a locustfile may have changed them
    if settings.json or settings.json_file:
        serialized = json.dumps(stats.serialize_stats(include_histogram=False), indent=4)
        if settings.json:
            print(serialized)
        if settings.json_file:
            path = Path(settings.json_file + ".json")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(serialized, encoding="utf-8")
    if not settings.json_file:
        tables = logging.getLogger(STATS_LOGGER)
        for line in final_report(stats, percentiles=percentiles):
            tables.info(line)
    environment.events.quit.fire(exit_code=code)
    return code
