"""Running a locustfile as the command line asks, from start-up to shutdown."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import stat
import sys
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from horde import __version__
from horde.cli._distributed import (
    LocalWorkers,
    WorkerProcess,
    exit_child,
    fork_workers,
    process_count,
)
from horde.cli._headless import GeneratorMonitors, run_headless, serve_as_worker
from horde.cli._logging import STATS_LOGGER
from horde.cli._outputs import fill_placeholders
from horde.cli._parser import builtin_option_names
from horde.cli._settings import Settings
from horde.cli._startup import Startup, prepare
from horde.compat import locust_alias
from horde.compat.locust import stats as locust_stats
from horde.distributed import PortBusyError
from horde.engine import Environment, StepLoadShape
from horde.exceptions import ConfigError
from horde.report import (
    CHECKS_FAILED_EXIT_CODE,
    CSV_SUFFIXES,
    CheckResult,
    CsvWriter,
    build_summary,
    checks_table,
    evaluate_checks,
    final_report,
    open_model_report,
    open_model_summary,
    render_html,
)
from horde.runtime import call_sync, cooperative_sleep, run
from horde.user import has_sync_tasks

if TYPE_CHECKING:
    from horde.analysis import Analysis

__all__ = ["run_command"]

logger = logging.getLogger("horde.main")

T = TypeVar("T")


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
        if any(isinstance(h, logging.FileHandler) for h in logging.getLogger().handlers):
            logger.error("%s", exc)  # --logfile holds the run's story: its end too
        return exc.exit_code
    except KeyboardInterrupt:
        print("horde: interrupted", file=sys.stderr)
        return 130


@dataclass(frozen=True)
class _Intervals:
    """Seconds between console tables, CSV writes and CSV flushes: Locust's constants in
    ``locust.stats``, which a locustfile may set."""

    console: float
    csv: float
    csv_flush: float


@dataclass(frozen=True)
class _Outputs:
    """What the run writes at the end, checked before it starts."""

    percentiles: list[float]
    intervals: _Intervals
    json_path: Path | None
    summary_path: Path | None
    html_path: Path | None
    csv_writer: CsvWriter | None = None
    """Opened once the run is sure to start (it creates the files)."""


def _run(startup: Startup) -> int:
    options = startup.settings.options
    # A bad output path stops the run here, before any fork.
    outputs = None if options.worker else _check_outputs(startup.settings)
    if options.processes is None:
        return _run_worker(startup) if outputs is None else _run_test(startup, outputs, None)
    forked = fork_workers(process_count(options.processes), announce_port=outputs is not None)
    if isinstance(forked, WorkerProcess):
        _run_forked_worker(startup, forked)
    if outputs is None:  # workers for a master elsewhere
        return forked.wait()
    options.expect_workers = len(forked.pids)
    try:
        return _run_test(startup, outputs, forked)
    finally:
        forked.stop()


def _run_forked_worker(startup: Startup, forked: WorkerProcess) -> NoReturn:
    """The life of a worker forked by ``--processes``: it never returns to the parent's code."""
    code = 1
    try:
        if not startup.settings.options.worker:
            options = startup.settings.options
            options.master_host, options.master_port = "127.0.0.1", forked.master_port()
        code = _run_worker(startup)
    except ConfigError as exc:
        print(f"horde: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except KeyboardInterrupt:
        code = 130
    except BaseException:
        logger.exception("The worker process failed")
    exit_child(code)


def _run_worker(startup: Startup) -> int:
    """Serve a master until it ends the test; no tables or files (the master writes them)."""
    environment = startup.environment
    options = startup.settings.options
    runner = environment.create_worker_runner(options.master_host, options.master_port)
    runner.node_options = builtin_option_names()
    monitors = GeneratorMonitors(sync_tasks=has_sync_tasks(environment.user_classes))
    if not run(_main(startup, serve_as_worker(startup, monitors))):
        return -1
    environment.events.quitting.fire(reverse=True, environment=environment)
    # Its failures and task errors went to the master, whose exit code counts them (as
    # a Locust worker's does not).
    code = _exit_code(startup, [], own_failures=False)
    logger.info("Shutting down (exit code %d)", code)
    environment.events.quit.fire(exit_code=code)
    return code


def _check_outputs(settings: Settings) -> _Outputs:
    """What the run will write, checked (folders created) before it starts."""
    prefix = settings.csv_prefix
    # The CSV files themselves are created once the run is sure to start.
    csv_files = [("--csv", _output_path(prefix, "--csv", suffix)) for suffix in CSV_SUFFIXES]
    outputs = _Outputs(
        _report_percentiles(),
        _stats_intervals(),
        _output_path(settings.json_file, "--json-file", ".json"),
        _output_path(settings.summary_json, "--summary-json", ""),
        _output_path(_html_file(settings), "--html", ""),
    )
    _check_distinct(
        [
            *csv_files,
            ("--json-file", outputs.json_path),
            ("--summary-json", outputs.summary_path),
            ("--html", outputs.html_path),
            ("--logfile", Path(settings.logfile) if settings.logfile else None),
        ]
    )
    return outputs


def _check_distinct(outputs: list[tuple[str, Path | None]]) -> None:
    """Refuse two outputs that would write the same file: the last would replace the
    first, which the run would still say it wrote."""
    seen: dict[str, str] = {}
    for option, path in outputs:
        if path is None:
            continue
        other = seen.setdefault(os.path.realpath(path), option)
        if other != option:
            raise ConfigError(
                f"{other} and {option} would both write {path}: give each its own file", 2
            )


def _run_test(startup: Startup, outputs: _Outputs, local_workers: LocalWorkers | None) -> int:
    """Run the test here, or as the master of ``--master`` or ``--processes``."""
    _create_runner(startup, local_workers)
    csv_writer = _csv_writer(startup.settings, outputs)
    outputs = dataclasses.replace(outputs, csv_writer=csv_writer)
    monitors = GeneratorMonitors(sync_tasks=has_sync_tasks(startup.environment.user_classes))
    console = outputs.intervals.console
    run(_main(startup, run_headless(startup, csv_writer, monitors, console)))
    return _shutdown(startup, outputs, monitors)


def _create_runner(startup: Startup, local_workers: LocalWorkers | None) -> None:
    environment = startup.environment
    options = startup.settings.options
    if local_workers is not None:
        # Its workers are local: it listens on loopback, on a free port it tells them.
        runner = environment.create_master_runner("127.0.0.1", 0)
        local_workers.announce(runner.port)
    elif options.master:
        host, port = options.master_bind_host, options.master_bind_port
        try:
            environment.create_master_runner(host, port)
        except PortBusyError:
            raise ConfigError(
                f"The master port ({port}) on {host} is busy. Close any applications using "
                "that port - perhaps an old master is still running? Or pick another with "
                "--master-bind-port.",
                1,
            ) from None
    else:
        environment.create_local_runner()


async def _main(startup: Startup, body: Coroutine[Any, Any, T]) -> T:
    """Fire ``init``, then run ``body``."""
    environment = startup.environment
    errors_before = environment.events.listener_errors
    # Fired on the running loop, so init listeners may start their own tasks, and as
    # synchronous user code, so they may wait.
    await call_sync(
        environment.events.init.fire,
        environment=environment,
        runner=environment.runner,
        web_ui=None,
    )
    if environment.events.listener_errors > errors_before:
        body.close()
        raise ConfigError("an init event handler failed (see the log above)", 1)
    return await body


def _report_percentiles() -> list[float]:
    """``PERCENTILES_TO_REPORT``, which a locustfile may have changed, checked."""
    percentiles = list(locust_stats.PERCENTILES_TO_REPORT)
    valid = all(isinstance(p, (int, float)) and 0 < p <= 1 for p in percentiles)
    if not percentiles or not valid:
        raise ConfigError(
            f"locust.stats.PERCENTILES_TO_REPORT = {percentiles!r}: parameter need to be float "
            "and value between. 0 < percentile < 1 Eg 0.95",
            1,
        )
    return percentiles


def _stats_intervals() -> _Intervals:
    """The intervals of ``locust.stats``, which a locustfile may have changed, checked."""
    seconds = []
    for name in (
        "CONSOLE_STATS_INTERVAL_SEC",
        "CSV_STATS_INTERVAL_SEC",
        "CSV_STATS_FLUSH_INTERVAL_SEC",
    ):
        value = getattr(locust_stats, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1e9:
            raise ConfigError(
                f"locust.stats.{name} = {value!r}: give a number of seconds above 0", 1
            )
        seconds.append(float(value))
    return _Intervals(*seconds)


def _output_path(value: str | None, option: str, suffix: str) -> Path | None:
    """Where an output goes (``value`` and ``suffix``), checked before the run (missing
    folders are created): no folder, and no file that cannot be written."""
    if not value:
        return None
    path = Path(value + suffix)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{option} {value}: cannot create {path.parent} ({exc})", 1) from None
    if not os.access(path.parent, os.W_OK):
        raise ConfigError(f"{option} {value}: {path.parent} is not writable", 1)
    if path.is_dir():
        raise ConfigError(f"{option} {value}: {path} is a folder; give a file name", 1)
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(f"{option} {value}: {path} is not writable", 1)
    return path


def _write(path: Path, text: str, option: str) -> bool:
    """Write an output file whole or not at all; False (logged) when it could not be.

    The text goes to a temporary file beside it (with the old file's permissions), then
    is renamed over it: a full disk leaves the previous file as it was, never a torn one
    that a CI step would read. What is no plain file (``/dev/stdout``, a pipe) is written
    to as it is.
    """
    target = Path(os.path.realpath(path))  # through a symbolic link, as a plain write goes
    try:
        if str(target).startswith(("/dev/", "/proc/")) or (
            os.path.exists(path) and not os.path.isfile(path)
        ):
            Path(path).write_text(text, encoding="utf-8")
        else:
            _replace(target, text)
    except OSError as exc:
        logger.error("%s: could not write %s (%s)", option, path, exc)
        return False
    return True


def _replace(target: Path, text: str) -> None:
    """Write ``target`` anew by renaming a complete temporary file over it."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        # New files get the usual permissions (the umask's); a replaced one keeps its own.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with open(descriptor, "w", encoding="utf-8") as file:
            if target.exists():
                os.fchmod(descriptor, stat.S_IMODE(target.stat().st_mode))
            file.write(text)
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise


def _close_csv(startup: Startup, writer: CsvWriter) -> bool:
    """Write the CSV files' final state and close them; False (logged) when it failed."""
    runner = startup.environment.runner
    try:
        writer.close(startup.environment.stats, runner.exceptions, runner.final_user_count)
    except OSError as exc:
        logger.error("--csv: could not write the files %s_*.csv (%s)", writer.prefix, exc)
        return False
    return True


def _code_after_writing(code: int, written: list[bool]) -> int:
    """The exit code once outputs were written: a run whose files are missing must not
    pass in CI."""
    if all(written) or code != 0:
        return code
    logger.error("An output that was asked for could not be written: exit code 1")
    return 1


def _plateaus(environment: Environment) -> tuple[list[SimpleNamespace], str]:
    """The run's plateaus (``users``, ``start``, ``end``) and what ``users`` counts: users
    for a step load, iterations/s for an arrival rate. The run is over: a plateau still
    lasting (cut short by -t) ends now."""
    now = environment.stats.now()
    arrivals = environment.runner.arrivals
    if arrivals is not None:
        plateaus = [(round(p.rate), p.start, p.end) for p in arrivals.plateaus]
        unit = "iterations/s"
    else:
        shape = environment.shape_class
        steps = shape.steps if isinstance(shape, StepLoadShape) else []
        plateaus = [(step.users, step.start, step.end) for step in steps]
        unit = "users"
    return [
        SimpleNamespace(users=users, start=start, end=now if end is None else end)
        for users, start, end in plateaus
    ], unit


def _failed_analysis() -> Analysis:
    """What the summary says when the analysis itself failed."""
    from horde.analysis import Analysis, Pattern  # loaded late: see _analyze

    return Analysis(
        pattern=Pattern.INCONCLUSIVE,
        graceful=True,
        saturation=None,
        bottleneck_endpoint=None,
        period_s=None,
        evidence={"reason": "the analysis failed"},
        story="Inconclusive: the analysis failed (its error is logged above).",
        fix="Report the error above; the figures and files of the run are complete.",
    )


def _analyze(startup: Startup) -> Analysis:
    """The degradation analysis of the run, over its plateaus when it had some.

    In the open model it reads the corrected latency: the measured one leaves out the
    waiting that a stalled target imposed on the iterations queued behind it.
    """
    # The analysis (and numpy under it) loads when a run ends: a sixth of a second of
    # every command's start, a --help or a worker's included.
    from horde.analysis import Step as AnalysisStep
    from horde.analysis import analyze

    stats = startup.environment.stats
    plateaus, unit = _plateaus(startup.environment)
    steps = [AnalysisStep(p.start, p.end, p.users) for p in plateaus]
    if startup.environment.runner.arrivals is None:
        # Without plateaus a closed model's are read off its user counts; an open model's
        # pool size is no load level, so its plateaus are the schedule's alone.
        return analyze(stats.total_series, stats.all_series, steps or None, unit)
    corrected = stats.corrected_series
    if None not in corrected:
        return analyze(stats.total_series, stats.all_series, steps, unit)
    endpoints = {key: series for key, series in corrected.items() if key is not None}
    analysis = analyze(corrected[None], endpoints, steps, unit)
    return dataclasses.replace(
        analysis,
        story=f"{analysis.story} (Response times corrected for coordinated omission: from "
        "each iteration's scheduled start.)",
        evidence={**analysis.evidence, "latency": "corrected"},
    )


def _html_file(settings: Settings) -> str | None:
    if not settings.html_file:
        return None
    # -u and -r as the run fills them in (Locust's headless defaults); none in the open model.
    users, rate = settings.closed_load if settings.arrival_rate is None else (None, None)
    return fill_placeholders(settings.html_file, users, rate, settings.run_time)


def _summary(
    startup: Startup, results: list[CheckResult], code: int, analysis: Analysis, ended: float
) -> dict[str, Any]:
    environment = startup.environment
    arrivals = environment.runner.arrivals
    steps, _ = _plateaus(environment)
    users = environment.stats.total_series.column("user_count")
    at_stop = environment.runner.final_user_count
    metadata = {
        "horde_version": __version__,
        "locustfile": environment.locustfile,
        "host": environment.host,
        "profile": environment.profile,
        "exit_code": code,
        # The series is sampled each second: the last users spawned may come after it.
        "users": {"peak": max(max(users, default=0), at_stop), "at_stop": at_stop},
    }
    document = build_summary(
        environment.stats,
        metadata=metadata,
        checks=results,
        steps=steps,
        analysis=analysis.to_dict(),
        exceptions=environment.runner.exceptions,
        end_time=ended,
    )
    if arrivals is not None:
        document["open_model"] = open_model_summary(arrivals.counts, environment.stats)
    return document


def _csv_writer(settings: Settings, outputs: _Outputs) -> CsvWriter | None:
    if not settings.csv_prefix:
        return None
    try:
        return CsvWriter(
            settings.csv_prefix,
            full_history=settings.full_history,
            percentiles=outputs.percentiles,
            interval=outputs.intervals.csv,
            flush_interval=outputs.intervals.csv_flush,
        )
    except OSError as exc:
        raise ConfigError(f"--csv {settings.csv_prefix}: cannot write there ({exc})", 1) from None


def _exit_code(startup: Startup, results: list[CheckResult], *, own_failures: bool = True) -> int:
    environment = startup.environment
    runner = environment.runner
    if environment.process_exit_code is not None:
        return environment.process_exit_code
    if not all(result.passed for result in results):
        return CHECKS_FAILED_EXIT_CODE
    if own_failures and (runner.errors or runner.exceptions):
        return startup.settings.exit_code_on_error
    if environment.events.listener_errors or runner.unhandled_errors:
        return 2
    return 0


def _shutdown(startup: Startup, outputs: _Outputs, monitors: GeneratorMonitors) -> int:
    """Locust's shutdown order: quitting, exit code, final output, quit, files closed."""
    settings = startup.settings
    environment = startup.environment
    stats = environment.stats
    ended = stats.now()  # before the listeners and the analysis take their time
    environment.events.quitting.fire(reverse=True, environment=environment)
    arrivals = environment.runner.arrivals
    results = evaluate_checks(settings.checks, stats, None if arrivals is None else arrivals.counts)
    try:
        analysis = _analyze(startup)
    except Exception:  # a fault of the analysis must not cost the run's tables and files
        logger.exception("The degradation analysis failed; the figures are reported without it")
        analysis = _failed_analysis()
    code = _exit_code(startup, results)
    logger.info("Shutting down (exit code %d)", code)
    # The files and horde's own tables get the final state first: serializing for --json
    # resets the entries (Locust's quirk, kept: its tables after --json show 0 per entry).
    open_model = open_model_report(arrivals.counts, stats) if arrivals is not None else []
    written = []
    if outputs.csv_writer is not None:
        written.append(_close_csv(startup, outputs.csv_writer))
    document = None
    if outputs.summary_path is not None or outputs.html_path is not None:
        document = _summary(startup, results, code, analysis, ended)
        document["generator"] = monitors.to_dict()
        if outputs.html_path is not None:
            written.append(_write(outputs.html_path, render_html(document), "--html"))
            if written[-1]:
                logger.info("HTML report written to %s", outputs.html_path)
    if settings.json or outputs.json_path is not None:
        serialized = json.dumps(stats.serialize_stats(include_histogram=False), indent=4)
        if settings.json:
            print(serialized)
        if outputs.json_path is not None:
            written.append(_write(outputs.json_path, serialized, "--json-file"))
    code = _code_after_writing(code, written)
    if outputs.summary_path is not None:
        # Last, so that the code CI reads from it counts the other files.
        assert document is not None
        document["exit_code"] = code
        text = json.dumps(document, indent=2)
        code = _code_after_writing(code, [_write(outputs.summary_path, text, "--summary-json")])
    _print_final(startup, outputs.percentiles, open_model, analysis, results, monitors.caution())
    environment.events.quit.fire(exit_code=code)
    return code


def _print_final(  # noqa: PLR0917 - the parts of the output, in order
    startup: Startup,
    percentiles: list[float],
    open_model: list[str],
    analysis: Analysis,
    results: list[CheckResult],
    caution: str | None,
) -> None:
    """The end-of-run console output: tables, the open model's figures, story, checks."""
    lines: list[str] = []
    if not startup.settings.json_file:
        lines += final_report(startup.environment.stats, percentiles=percentiles)
    lines += open_model
    lines += ["How the system held up", analysis.story, f"What to do: {analysis.fix}", ""]
    if caution is not None:
        lines += [caution, ""]
    if results:
        lines += checks_table(results)
    tables = logging.getLogger(STATS_LOGGER)
    for line in lines:
        tables.info(line)
