"""Turning two samples and a generator's own counts into a row's figures and caveats."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from _generators import RunPlan, ToolReport
from _proc import MachineTimes

__all__ = ["Measurement", "Sample", "summarise"]

# Below this, the generator's core had idle time: something else was the bottleneck.
_SATURATED_CORE_PERCENT = 90.0
# Above this, nginx's core may have capped the figure.
_NGINX_BUSY_CORE_PERCENT = 90.0
# Above this share of one core, other processes competed with the benchmark.
_OTHER_CPU_PERCENT = 5.0
# Locust rewrites ``_stats.csv`` once a second and not at exit, so its final
# count can lag what was sent by a second or two of traffic.
_SNAPSHOT_LAG_SECONDS = 2.0


@dataclass(frozen=True)
class Sample:
    """Everything read at one instant of a row's run."""

    monotonic_seconds: float
    served_requests: int
    generator_cpu_seconds: float
    nginx_cpu_seconds: float
    machine: MachineTimes


@dataclass(frozen=True)
class Measurement:
    """One generator's figures over the measured window, plus its own counts.

    CPU percentages are of one core. ``generator_cpu_percent`` is the process's
    own time; ``generator_core_percent`` is everything its core did, including
    the kernel's loopback work (softirq) that no process is charged for.
    """

    name: str
    requests_per_second: float
    requests_per_cpu_second: float
    generator_cpu_percent: float
    generator_core_percent: float
    nginx_core_percent: float
    other_cpu_percent: float
    tool_requests: int
    tool_failures: int
    served_requests: int
    counts_agree: bool
    notes: tuple[str, ...]


def summarise(
    name: str,
    window: tuple[Sample, Sample],
    served: int,
    tool_report: ToolReport,
    returncode: int,
    plan: RunPlan,
) -> Measurement:
    """The row's figures over ``window``; ``served`` counts the whole run."""
    start, end = window
    seconds = end.monotonic_seconds - start.monotonic_seconds
    requests = end.served_requests - start.served_requests
    generator_cpu = end.generator_cpu_seconds - start.generator_cpu_seconds
    nginx_cpu = end.nginx_cpu_seconds - start.nginx_cpu_seconds
    process_cpu = end.machine.process_seconds - start.machine.process_seconds

    def core_percent(core: int) -> float:
        busy = end.machine.core_busy_seconds[core] - start.machine.core_busy_seconds[core]
        return 100 * busy / seconds

    counts_agree = _counts_agree(tool_report.requests, served, plan)
    measurement = Measurement(
        name=name,
        requests_per_second=requests / seconds,
        requests_per_cpu_second=requests / generator_cpu if generator_cpu else 0.0,
        generator_cpu_percent=100 * generator_cpu / seconds,
        generator_core_percent=core_percent(plan.generator_core),
        nginx_core_percent=core_percent(plan.nginx_core),
        other_cpu_percent=max(0.0, 100 * (process_cpu - generator_cpu - nginx_cpu) / seconds),
        tool_requests=tool_report.requests,
        tool_failures=tool_report.failures,
        served_requests=served,
        counts_agree=counts_agree,
        notes=(),
    )
    return dataclasses.replace(measurement, notes=_notes(measurement, returncode, plan))


def _counts_agree(tool_requests: int, served_requests: int, plan: RunPlan) -> bool:
    """Whether the generator's own count matches what nginx served.

    A client that records requests it never sent would look fast: it must
    never claim more than nginx served. Fewer is allowed by a CSV snapshot's lag.
    """
    slack = _count_slack(served_requests, plan)
    lag = served_requests * _SNAPSHOT_LAG_SECONDS / plan.run_seconds
    return served_requests - slack - lag <= tool_requests <= served_requests + slack


def _count_slack(served_requests: int, plan: RunPlan) -> int:
    # Requests in flight when a generator stops are served but may go unrecorded.
    return max(2 * plan.users, served_requests // 100)


def _notes(measurement: Measurement, returncode: int, plan: RunPlan) -> tuple[str, ...]:
    """What makes a row's figure doubtful or not purely the generator's."""
    count_gap = abs(measurement.tool_requests - measurement.served_requests)
    checks = (
        (returncode != 0, f"exit code {returncode}"),
        (measurement.tool_failures > 0, f"{measurement.tool_failures} failures reported"),
        (
            count_gap > _count_slack(measurement.served_requests, plan),
            f"reported {measurement.tool_requests:,} requests, nginx served "
            f"{measurement.served_requests:,}"
            + (
                " (within the lag of a once-a-second CSV snapshot)"
                if measurement.counts_agree
                else " (counts DISAGREE)"
            ),
        ),
        (
            measurement.generator_core_percent < _SATURATED_CORE_PERCENT,
            f"generator's core only {measurement.generator_core_percent:.0f}% busy (not CPU-bound)",
        ),
        (
            measurement.nginx_core_percent > _NGINX_BUSY_CORE_PERCENT,
            f"nginx's core {measurement.nginx_core_percent:.0f}% busy (the target may cap this)",
        ),
        (
            measurement.other_cpu_percent > _OTHER_CPU_PERCENT,
            f"other processes used {measurement.other_cpu_percent:.0f}% of a core "
            "(figures may be low)",
        ),
    )
    return tuple(text for applies, text in checks if applies)
