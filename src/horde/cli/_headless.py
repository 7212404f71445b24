"""A headless run: start the load, print and write statistics, stop on time or signal."""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from horde.cli._distributed import wait_for_workers
from horde.cli._keys import keyboard_control
from horde.cli._logging import STATS_LOGGER
from horde.cli._startup import Startup
from horde.distributed import WORKER_REPORT_INTERVAL, MasterRunner
from horde.engine import DEFAULT_MAX_CONCURRENCY, describe_blocking_frame
from horde.report import CsvWriter, evaluate_checks, periodic_report
from horde.runtime import (
    BLOCKING_ADVICE,
    LOOP_HELD_SHARE,
    CpuMonitor,
    LoopBreaker,
    LoopFigures,
    LoopLagMonitor,
    call_sync,
)

__all__ = ["GeneratorMonitors", "run_headless", "serve_as_worker"]

logger = logging.getLogger("horde.main")
tables = logging.getLogger(STATS_LOGGER)

STATS_TICK_SECONDS = 1.0
CHECK_INTERVAL_SECONDS = 1.0
USAGE_SAMPLE_SECONDS = 1.0
#: Seconds between two ``usage_monitor`` events (Locust's ``CPU_MONITOR_INTERVAL``).
CPU_MONITOR_INTERVAL = 10.0


async def _every(
    interval: float,
    job: Callable[[], None],
    *,
    on_the_clock: bool = False,
    wait_first: bool = False,
) -> None:
    """Call ``job`` now and then every ``interval`` seconds, without drifting.

    With ``on_the_clock`` the first call waits for the next whole interval of the wall clock
    (a master's samples then line up with its workers' reports); with ``wait_first`` it
    comes one interval from now (a job that measures what happened since the last call).
    """
    loop = asyncio.get_running_loop()
    next_run = loop.time()
    if on_the_clock:
        now = time.time()
        next_run += (math.floor(now / interval) + 1) * interval - now
    elif wait_first:
        next_run += interval
    await asyncio.sleep(next_run - loop.time())
    while True:
        job()
        next_run = _next_run(next_run, interval, loop.time())
        await asyncio.sleep(next_run - loop.time())


def _next_run(previous: float, interval: float, now: float) -> float:
    """The next run after ``previous`` on the same beat, at least half an interval ahead.

    After a stall, the missed runs are skipped, and so is a beat that comes too soon after
    the late run: catching up would write several rows for one second, and sample the CPU
    or the request rate over a sliver of time.
    """
    following = previous + interval
    earliest = now + interval / 2
    if following >= earliest:
        return following
    return following + math.ceil((earliest - following) / interval) * interval


def _periodic_jobs(
    startup: Startup, csv_writer: CsvWriter | None, console_interval: float
) -> list[tuple[float, Callable[[], None]]]:
    stats = startup.environment.stats
    jobs: list[tuple[float, Callable[[], None]]] = []
    if not startup.settings.only_summary:
        jobs.append((console_interval, lambda: _print_lines(periodic_report(stats))))
    if startup.settings.check_abort and startup.settings.checks:
        jobs.append((CHECK_INTERVAL_SECONDS, _check_abort_job(startup)))
    if csv_writer is not None:
        jobs.append((csv_writer.interval, _csv_job(startup, csv_writer)))
    return jobs


def _csv_job(startup: Startup, csv_writer: CsvWriter) -> Callable[[], None]:
    """Rewrite the CSV files; a failure (a full disk) is logged when it starts and when
    it ends, and the files are written again at the next interval."""
    runner = startup.environment.runner
    stats = startup.environment.stats
    failing = False

    def job() -> None:
        nonlocal failing
        try:
            csv_writer.write(stats, runner.exceptions, runner.user_count, stats.now())
        except OSError as exc:
            if not failing:
                logger.error(
                    "--csv: could not write the files %s_*.csv (%s); trying again every %g s",
                    csv_writer.prefix,
                    exc,
                    csv_writer.interval,
                )
            failing = True
            return
        if failing:
            logger.info("--csv: the files %s_*.csv are written again", csv_writer.prefix)
        failing = False

    return job


def _tick_job(startup: Startup) -> Callable[[], None]:
    """Close the statistics' per-second sample."""
    runner = startup.environment.runner
    stats = startup.environment.stats

    def tick() -> None:
        stats.tick(stats.now(), runner.user_count)

    return tick


def _final_tick(startup: Startup) -> None:
    """Close the last, partial sample at the end of the run, if requests came in since.

    Without it the series would miss the requests of the run's last moments: a master's
    workers send their final reports after its last tick. Those cover up to a report
    interval each, however soon after that tick they came, and the rate says so.
    """
    stats = startup.environment.stats
    runner = startup.environment.runner
    if not stats.total.recorded_since_snapshot():
        return
    now = stats.now()
    covers = None
    if isinstance(runner, MasterRunner):
        covers = max(now - stats.last_tick, WORKER_REPORT_INTERVAL)
    stats.tick(now, runner.final_user_count, covers=covers)


def _check_abort_job(startup: Startup) -> Callable[[], None]:
    """``--check-abort``: stop the run the first time a check fails on the figures so far
    (one that means something only at the end, ``not_started``, waits for it)."""
    runner = startup.environment.runner
    stats = startup.environment.stats
    checks = [check for check in startup.settings.checks if not check.at_the_end]
    aborted = False

    def job() -> None:
        nonlocal aborted
        if aborted or stats.total.num_requests == 0:
            return
        arrivals = runner.arrivals
        counts = None if arrivals is None else arrivals.counts
        for result in evaluate_checks(checks, stats, counts):
            # No data yet (an endpoint not requested so far) may still come: the end says.
            if result.value is not None and not result.passed:
                logger.error(
                    "Check %s failed (value %s): stopping the run (--check-abort)",
                    result.check.text,
                    "no data" if result.value is None else f"{result.value:g}",
                )
                aborted = True
                runner.quit()
                return

    return job


def _print_lines(lines: list[str]) -> None:
    for line in lines:
        tables.info(line)


def _install_signal_handlers(startup: Startup) -> None:
    loop = asyncio.get_running_loop()
    runner = startup.environment.runner

    interrupts = 0

    def on_interrupt() -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts == 1:
            logger.info("Exiting due to CTRL+C interruption")
            runner.quit()
        elif interrupts == 2:
            logger.info(
                "Second CTRL+C: stopping every user at once (press again to abort, "
                "without the final tables and reports)"
            )
            runner.hurry()
        else:
            loop.remove_signal_handler(signal.SIGINT)
            raise KeyboardInterrupt

    def on_terminate() -> None:
        if not interrupts:  # after a Ctrl-C it is quitting already
            logger.info("Received SIGTERM, shutting down")
        runner.quit()

    loop.add_signal_handler(signal.SIGINT, on_interrupt)
    loop.add_signal_handler(signal.SIGTERM, on_terminate)


def _start_load(startup: Startup) -> float | None:
    """Start the load; the run time it ends after, if any."""
    settings = startup.settings
    environment = startup.environment
    runner = environment.runner
    if settings.arrival_rate is not None:
        runner.start_arrivals(
            settings.arrival_rate,
            settings.max_concurrency or DEFAULT_MAX_CONCURRENCY,
            duration=settings.run_time or None,  # -t 0 is no limit, as elsewhere
            step_s=settings.step_time,
        )
    else:
        # Locust's headless defaults, seen by the locustfile in parsed_options as there.
        options = settings.options
        options.num_users, options.spawn_rate = settings.closed_load
        if environment.shape_class is not None:
            runner.start_shape()
        else:
            runner.start(options.num_users, options.spawn_rate)
    if settings.run_time and (
        environment.shape_class is None or environment.shape_class.use_common_options
    ):
        logger.info("Run time limit set to %d seconds", settings.run_time)

        def time_is_up() -> None:
            logger.info("--run-time limit reached, shutting down")
            runner.quit()

        asyncio.get_running_loop().call_later(settings.run_time, time_is_up)
        return settings.run_time
    if environment.shape_class is None:
        logger.info("No run time limit set, use CTRL+C to interrupt")
    return None


#: A process whose event loop was blocked (or held by user code, for a large share of the
#: time) this long in all (seconds) gets a caution at the end of the run.
BLOCKED_CAUTION_S = 1.0


@dataclass
class GeneratorMonitors:
    """How hard the generator itself worked: its CPU and its event loop's lag."""

    cpu: CpuMonitor = field(default_factory=CpuMonitor)
    lag: LoopLagMonitor = field(
        default_factory=lambda: LoopLagMonitor(describe=describe_blocking_frame)
    )
    workers: dict[str, CpuMonitor] = field(default_factory=dict)
    """A master's workers, by id: their CPU from their heartbeats."""
    worker_lag: dict[str, LoopFigures] = field(default_factory=dict)
    """A master's workers, by id: their event loops' figures, from their heartbeats."""
    sync_tasks: bool = True
    """Whether some task is a plain function (see :func:`saturation_advice`)."""
    lost_workers: list[str] = field(default_factory=list)
    """A master's workers that went missing during the test (their last figures lost)."""

    def to_dict(self) -> dict[str, Any]:
        """The ``"generator"`` object of ``--summary-json``.

        With workers, its CPU figures are the busiest process's, its memory peak the
        largest, its loop's seconds (blocked, held) the worst process's, so that they
        compare with the run's length, and its stalls all of them; ``"workers"`` gives each.
        """
        loops = [self.lag.figures(), *self.worker_lag.values()]
        cpus = [self.cpu, *self.workers.values()]
        busiest = _busiest(cpus)
        most_held = max(loops, key=lambda figures: figures.held_s)
        document = {
            **busiest.to_dict(),
            "memory_peak_bytes": max(cpu.peak_memory for cpu in cpus),
            "loop_stalls": sum(figures.stalls for figures in loops),
            "loop_lag_max_ms": max(figures.max_lag_ms for figures in loops),
            "loop_blocked_s": round(max(figures.blocked_s for figures in loops), 3),
            "loop_held_s": round(most_held.held_s, 3),
            "loop_held_by": most_held.held_by,
            "caution": self.caution(),
        }
        if self.lost_workers:
            document["lost_workers"] = self.lost_workers
        if self.workers:
            document["workers"] = [
                {"id": worker_id, **cpu.to_dict(), **self._lag_of(worker_id)}
                for worker_id, cpu in self.workers.items()
            ]
        return document

    def _lag_of(self, worker_id: str) -> dict[str, Any]:
        figures = self.worker_lag.get(worker_id)
        if figures is None:
            return {}  # a Locust worker: it does not send them
        return {
            "loop_stalls": figures.stalls,
            "loop_lag_max_ms": figures.max_lag_ms,
            "loop_blocked_s": figures.blocked_s,
            "loop_held_s": figures.held_s,
            "loop_held_by": figures.held_by,
        }

    def caution(self) -> str | None:
        """A sentence when the generator was saturated or blocked and the numbers are suspect."""
        cpu = self._cpu_caution()
        others = [text for text in (self._loop_caution(), self._lost_caution()) if text]
        if cpu is not None:
            first = cpu
        elif others:
            first = f"Caution: {others.pop(0)}"
        else:
            return None
        return " ".join([first, *(f"Also, {text}" for text in others)])

    def _lost_caution(self) -> str | None:
        lost = self.lost_workers
        if not lost:
            return None
        if len(lost) == 1:
            which, they, loops, reports = f"worker {lost[0]}", "it", "its event loop was", "its"
        else:
            which = f"{len(lost)} workers ({', '.join(lost)})"
            they, loops, reports = "they", "their event loops were", "their"
        return (
            f"{which} went missing during the test and did not come back (no heartbeat: "
            f"{they} died, or {loops} blocked): the requests since {reports} last "
            f"report{'' if len(lost) == 1 else 's'} are not counted, so the totals fall "
            "short of what the target received."
        )

    def _cpu_caution(self) -> str | None:
        saturated = [cpu for cpu in self.workers.values() if cpu.saturated]
        if saturated:
            worst = _busiest(saturated)  # the process the summary's figures are of
            return (
                f"Caution: the generator itself was saturated. {len(saturated)} of "
                f"{len(self.workers)} workers had their CPU at or above {worst.threshold:.0f}% "
                f"of a core (the worst for {worst.seconds_over} of {worst.samples} s, peak "
                f"{worst.peak:.0f}%), so response times include their own queueing: "
                f"{saturation_advice(self.sync_tasks, 'worker')}"
            )
        cpu = self.cpu
        if not cpu.saturated:
            return None
        return (
            f"Caution: the generator itself was saturated. Its CPU was at or above "
            f"{cpu.threshold:.0f}% of a core for {cpu.seconds_over} of {cpu.samples} s "
            f"(peak {cpu.peak:.0f}%), so response times include its own queueing: "
            f"{saturation_advice(self.sync_tasks, 'process')}"
        )

    def _loop_caution(self) -> str | None:
        """Event loops blocked, or held by user code, long enough to matter (the CPU may
        have been idle)."""
        own = self.lag.figures()
        workers = len(self.workers or self.worker_lag)
        parts = []
        blocked = [lag for lag in self.worker_lag.values() if lag.blocked_s >= BLOCKED_CAUTION_S]
        if blocked:
            worst = max(blocked, key=lambda lag: lag.blocked_s)
            were = "were" if len(blocked) > 1 else "was"
            parts.append(
                f"{_loops_of(len(blocked), workers)} {were} blocked "
                f"{_blocked_for(worst, each=len(blocked) > 1)}: {_their(len(blocked))} users "
                f"waited meanwhile, {WAITED}"
            )
        own_blocked = own.blocked_s >= BLOCKED_CAUTION_S
        if own_blocked:
            parts.append(
                f"the master's event loop was blocked {_blocked_for(own)}: the workers' "
                "reports waited meanwhile"
                if workers
                else f"the generator's event loop was blocked {_blocked_for(own)}: every "
                f"user waited meanwhile, {WAITED}"
            )
        # The master runs no users: what holds its loop delays reports, which a stall says.
        held = [lag for lag in (self.worker_lag.values() if workers else [own]) if _held(lag)]
        if held:
            worst = max(held, key=lambda lag: lag.held_share)
            each = " each" if len(held) > 1 else ""
            parts.append(
                f"user code held {_loops_of(len(held), workers)} for "
                f"{'up to ' if each else ''}{worst.held_share:.0%} of the time{each} "
                f"({'the worst ' if each else ''}{worst.held_s:.1f} s), most often "
                f"{worst.held_by}: "
                f"{_their(len(held)) if workers else 'the other'} users waited behind it, "
                f"{WAITED}"
            )
        if not parts:
            return None
        if held:
            return f"{'; '.join(parts)}. {BLOCKING_ADVICE}"
        it = "them" if len(blocked) + own_blocked > 1 else "it"
        return (
            f"{'; '.join(parts)}. The loop-lag warnings name what held {it}: a blocking "
            f"call, or more work than one core can do. {BLOCKING_ADVICE}"
        )


# What a loop's stall or hold did to the figures. A response that arrived meanwhile is
# timed from the kernel's stamp on a plain connection (see horde.http._socket), but the
# requests due then started late, and HTTPS has no stamps.
WAITED = "so their requests started late, and HTTPS response times include that wait"


def saturation_advice(sync_tasks: bool, unit: str) -> str:
    """What to do about a saturated generator: fewer users per ``unit`` (a process or a
    worker) or more of them, and ``async def`` tasks, which take less CPU per request than
    plain ones, unless they already are (``sync_tasks`` False)."""
    units = f"{unit}es" if unit.endswith("s") else f"{unit}s"
    if sync_tasks:
        return f"use async def tasks, fewer users per {unit}, or more {units}."
    return f"use fewer users per {unit}, or more {units}."


def _held(lag: LoopFigures) -> bool:
    """Whether user code held ``lag``'s loop long enough to make the numbers suspect."""
    return lag.held_s >= BLOCKED_CAUTION_S and lag.held_share >= LOOP_HELD_SHARE


def _busiest(cpus: Iterable[CpuMonitor]) -> CpuMonitor:
    """The process whose CPU figures stand for the run's: saturated, then the longest
    over the threshold, then the highest peak."""
    return max(cpus, key=lambda cpu: (cpu.saturated, cpu.seconds_over, cpu.peak))


def _loops_of(count: int, workers: int) -> str:
    """The event loops of ``count`` workers of ``workers`` (none: the generator's)."""
    if not workers:
        return "the generator's event loop"
    if workers == 1:
        return "the worker's event loop"
    return f"the event loop{'s' if count > 1 else ''} of {count} of {workers} workers"


def _their(count: int) -> str:
    return "their" if count > 1 else "its"


def _blocked_for(lag: LoopFigures, each: bool = False) -> str:
    """How long ``lag``'s loop was blocked (the worst of several, ``each``)."""
    span = f"up to {lag.blocked_s:.1f} s each" if each else f"at least {lag.blocked_s:.1f} s in all"
    return f"for {span} (the longest stall {lag.max_lag_ms:,.0f} ms)"


def _usage_job(startup: Startup, monitors: GeneratorMonitors) -> Callable[[], None]:
    """Sample the CPU each second; Locust's ``usage_monitor``/``cpu_warning`` every 10 s."""
    cpu = monitors.cpu
    environment = startup.environment
    runner = environment.runner
    window: list[float] = []
    cpu.start()  # what start-up used is not load

    def job() -> None:
        percent = cpu.sample()
        runner.current_cpu_usage = percent
        runner.current_memory_usage = cpu.memory
        runner.memory_peak = cpu.peak_memory
        if cpu.saturated and not runner.cpu_warning_emitted:
            runner.cpu_warning_emitted = True
            logger.warning(
                "CPU usage above %d%%! This may constrain your throughput and may even give "
                "inconsistent response time measurements! horde used %.0f%% of a core for "
                "%d s in a row: %s",
                cpu.threshold,
                percent,
                cpu.sustained,
                saturation_advice(monitors.sync_tasks, "process"),
            )
        window.append(percent)
        if len(window) * USAGE_SAMPLE_SECONDS >= CPU_MONITOR_INTERVAL:
            average = sum(window) / len(window)
            window.clear()
            if average >= cpu.threshold:
                environment.events.cpu_warning.fire(environment=environment, cpu_usage=average)
            environment.events.usage_monitor.fire(
                environment=environment, cpu_usage=average, memory_usage=cpu.memory
            )

    return job


def _start_lag_monitor(startup: Startup, monitors: GeneratorMonitors) -> LoopLagMonitor:
    """Start watching this process's loop; a hold counts while it delays someone."""
    runner = startup.environment.runner
    monitor = monitors.lag
    monitor.crowded = lambda: runner.user_count > 1
    monitor.start()
    return monitor


async def run_headless(
    startup: Startup,
    csv_writer: CsvWriter | None,
    monitors: GeneratorMonitors,
    console_interval: float,
) -> None:
    """Run the test until the run time, the shape, a signal or user code ends it; the
    console table every ``console_interval`` seconds (unless ``--only-summary``)."""
    runner = startup.environment.runner
    monitor = _start_lag_monitor(startup, monitors)
    _install_signal_handlers(startup)
    breaker = LoopBreaker(monitor)  # user code holding the loop must not keep it running
    breaker.on_signals(signal.SIGINT, signal.SIGTERM)
    master = isinstance(runner, MasterRunner)
    # A master's samples close on whole seconds, between its workers' reports.
    tick = _every(STATS_TICK_SECONDS, _tick_job(startup), on_the_clock=master)
    usage = _every(USAGE_SAMPLE_SECONDS, _usage_job(startup, monitors), wait_first=True)
    jobs = [asyncio.ensure_future(tick), asyncio.ensure_future(usage)]
    jobs += [
        asyncio.ensure_future(_every(interval, job))
        for interval, job in _periodic_jobs(startup, csv_writer, console_interval)
    ]
    try:
        if isinstance(runner, MasterRunner):
            monitors.workers, monitors.worker_lag = runner.worker_cpu, runner.worker_lag
            monitors.lost_workers = runner.lost_workers
            options = startup.settings.options
            expected, max_wait = options.expect_workers, options.expect_workers_max_wait
            if not await wait_for_workers(runner, expected, max_wait):
                return  # told to quit while it waited
        run_time = await call_sync(_start_load, startup)  # test_start listeners may wait
        if run_time:
            breaker.after(run_time)
        with keyboard_control(runner):
            await runner.wait_until_quit()
    except Exception:
        if isinstance(runner, MasterRunner):
            await runner.quit_async()  # its workers must not outlive it
        raise
    finally:
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        breaker.close()  # first: nothing of the run's end is to be interrupted
        _final_tick(startup)
        monitor.stop()


async def serve_as_worker(startup: Startup, monitors: GeneratorMonitors) -> bool:
    """Run as a worker until the master (or a signal) ends it; False if no master answered."""
    runner = startup.environment.runner
    try:
        await runner.connect()
    except ConnectionError as exc:
        logger.error("Failed to connect to the master: %s", exc)
        return False
    if startup.settings.run_time:
        logger.debug("--run-time is ignored on a worker: the master ends the test")
    _install_signal_handlers(startup)
    # Blocking user code is named where it runs; the master reports the figures, from
    # the test's start: waiting for it (for the other workers, say) is no load.
    runner.loop_lag = _start_lag_monitor(startup, monitors)
    breaker = LoopBreaker(runner.loop_lag)
    breaker.on_signals(signal.SIGINT, signal.SIGTERM)
    startup.environment.events.test_start.add_listener(lambda **_: monitors.lag.restart())
    usage = asyncio.ensure_future(
        _every(USAGE_SAMPLE_SECONDS, _usage_job(startup, monitors), wait_first=True)
    )
    try:
        await runner.wait_until_quit()
    finally:
        usage.cancel()
        await asyncio.gather(usage, return_exceptions=True)
        breaker.close()
        monitors.lag.stop()
    return True
