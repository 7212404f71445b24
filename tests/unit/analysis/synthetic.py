"""Synthetic per-second series for each degradation pattern, with seeded noise.

Each generator returns a :class:`Run`: the aggregate samples, per-endpoint samples and
the truth the analysis should find. The shapes follow the demo shop's profiles (see
``horde.demo``): per-second p95 jitter, a burst at each plateau's start, a few stray
failures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from horde.analysis import samples_from_columns
from horde.stats import Sample

Endpoints = dict[tuple[str, str], list[Sample]]

#: Requests per second per user of the bundled locustfile (1-5 s between tasks).
RATE_PER_USER = 1 / 3
ENDPOINT_NAMES = (
    ("/api/products", "GET"),
    ("/api/cart", "POST"),
    ("/api/login", "POST"),
    ("/api/mobile/feed", "GET"),
)


@dataclass(frozen=True)
class Run:
    """A synthetic run and what its analysis should say."""

    total: list[Sample]
    endpoints: Endpoints = field(default_factory=dict)
    saturation_users: int | None = None
    period_s: float | None = None
    bottleneck: str | None = None
    step_users: int = 100


def staircase(start: int, stop: int, step: int, seconds: int) -> np.ndarray:
    """Return one user count per second for plateaus ``start, start+step, ..., stop``."""
    return np.repeat(np.arange(start, stop + 1, step), seconds)


def _step_starts(users: np.ndarray) -> np.ndarray:
    """Return seconds since the current plateau began, for each second."""
    since = np.zeros(len(users), dtype=int)
    for i in range(1, len(users)):
        since[i] = 0 if users[i] != users[i - 1] else since[i - 1] + 1
    return since


def _jitter(rng: np.random.Generator, size: int, sigma: float) -> np.ndarray:
    return np.exp(rng.normal(0.0, sigma, size))


def _series(
    rng: np.random.Generator,
    users: np.ndarray,
    latency: np.ndarray,
    capacity_rps: float = np.inf,
    failure_ratio: np.ndarray | None = None,
    sigma: float = 0.3,
) -> tuple[list[Sample], np.ndarray]:
    """Return aggregate samples for a latency shape, with jitter, ramp bursts and rps."""
    since = _step_starts(users)
    ramp = np.where(since < 2, 1.6, 1.0)
    p95 = latency * ramp * _jitter(rng, len(users), sigma)
    rps = np.minimum(users * RATE_PER_USER, capacity_rps) * _jitter(rng, len(users), 0.05)
    ratio = failure_ratio if failure_ratio is not None else np.zeros(len(users))
    stray = rng.random(len(users)) < 0.02  # an odd failed request now and then
    failures = np.round(rps * ratio).astype(int) + stray
    samples = samples_from_columns(
        users=[int(u) for u in users],
        p95=[float(v) for v in p95],
        p50=[float(v) / 2.5 for v in p95],
        rps=[float(v) for v in rps],
        failures=[int(f) for f in failures],
        start_ts=1_795_000_000.0,
    )
    return samples, rps


def _endpoints(
    rng: np.random.Generator,
    users: np.ndarray,
    added_ms: np.ndarray,
    special: dict[str, np.ndarray] | None = None,
) -> Endpoints:
    """Return per-endpoint samples: each a base latency plus ``added_ms`` (queueing)."""
    bases = (1.0, 4.0, 20.0, 2.0)
    result: Endpoints = {}
    for (name, method), base in zip(ENDPOINT_NAMES, bases, strict=True):
        p50 = base + added_ms
        if special and f"{method} {name}" in special:
            p50 = special[f"{method} {name}"]
        p50 = p50 * _jitter(rng, len(users), 0.2)
        result[(name, method)] = samples_from_columns(
            users=[int(u) for u in users],
            p95=[float(v) * 2 for v in p50],
            p50=[float(v) for v in p50],
            rps=[float(u) * RATE_PER_USER / 4 for u in users],
            start_ts=1_795_000_000.0,
        )
    return result


def healthy(seed: int = 0, sigma: float = 0.3, p95_ms: float = 5.0) -> Run:
    """Flat latency from 100 to 1,000 users."""
    rng = np.random.default_rng(seed)
    users = staircase(100, 1000, 100, 18)
    latency = np.full(len(users), p95_ms)
    total, _ = _series(rng, users, latency, sigma=sigma)
    return Run(total, _endpoints(rng, users, np.zeros(len(users))))


def linear(seed: int = 0, saturation_users: int = 550, step: int = 100) -> Run:
    """CPU-bound: capacity 185 req/s near 550 users, then +550 ms of p95 per 100 users."""
    rng = np.random.default_rng(seed)
    users = staircase(step, 1000, step, 18)
    queueing = np.maximum(users - saturation_users, 0) * 5.5
    total, _ = _series(rng, users, 10.0 + queueing, capacity_rps=saturation_users / 3)
    first = int(np.ceil(saturation_users / step) * step)
    return Run(total, _endpoints(rng, users, queueing), saturation_users=first, step_users=step)


def cliff(seed: int = 0) -> Run:
    """A pool of 200 req/s: flat 21 ms to 500 users, waits hit the 1 s timeout, 503s."""
    rng = np.random.default_rng(seed)
    users = staircase(100, 1000, 100, 18)
    latency = np.select([users <= 500, users <= 550], [21.0, 400.0], 1000.0)
    failures = np.clip((users - 600) / 400 * 0.23, 0.0, None)
    total, _ = _series(rng, users, latency, capacity_rps=200, failure_ratio=failures)
    return Run(total, _endpoints(rng, users, latency - 21.0), saturation_users=600)


def ceiling(seed: int = 0) -> Run:
    """A limit with a 1 s ceiling and no errors: flat 20 ms to 500 users, then 1 s."""
    rng = np.random.default_rng(seed)
    users = staircase(100, 900, 100, 18)
    latency = np.where(users <= 500, 20.0, 1000.0)
    total, _ = _series(rng, users, latency, capacity_rps=180)
    return Run(total, _endpoints(rng, users, latency - 20.0), saturation_users=600)


def sawtooth(
    seed: int = 0,
    period: float = 10.0,
    steps: bool = True,
    spike_ms: float = 1000.0,
    step_seconds: int = 25,
) -> Run:
    """A 1 s stall every ``period`` seconds, at any load; flat otherwise."""
    rng = np.random.default_rng(seed)
    users = staircase(100, 600, 100, step_seconds) if steps else np.full(150, 300)
    latency = np.full(len(users), 8.0)
    phase = rng.uniform(0, period)
    for start in np.arange(phase, len(users), period):
        index = int(start)
        latency[index] = spike_ms
        if start - index > 0.5 and index + 1 < len(users):  # the stall straddles a tick
            latency[index + 1] = spike_ms / 2
    total, _ = _series(rng, users, latency)
    return Run(total, _endpoints(rng, users, latency - 8.0), period_s=period)


def flat_then_spike(seed: int = 0) -> Run:
    """Only GET /api/mobile/feed slows down (2, 4, 8, 13, 28 ms ...); the rest is flat."""
    rng = np.random.default_rng(seed)
    users = staircase(100, 700, 100, 15)
    feed = 2.0 * 1.75 ** (users / 100 - 1)
    latency = np.full(len(users), 6.0)
    total, _ = _series(rng, users, latency)
    special = {"GET /api/mobile/feed": feed}
    return Run(
        total,
        _endpoints(rng, users, np.zeros(len(users)), special),
        bottleneck="GET /api/mobile/feed",
    )


def bottleneck_then_saturation(seed: int = 0) -> Run:
    """GET /api/mobile/feed slows down alone, then from 600 users everything queues."""
    rng = np.random.default_rng(seed)
    users = staircase(100, 700, 100, 15)
    feed = 2.0 * 1.75 ** (users / 100 - 1)
    queueing = np.where(users >= 600, (users - 500) * 8.0, 0.0)
    total, _ = _series(rng, users, 6.0 + queueing)
    special = {"GET /api/mobile/feed": feed + queueing}
    return Run(
        total,
        _endpoints(rng, users, queueing, special),
        saturation_users=600,
        bottleneck="GET /api/mobile/feed",
    )


def step_start_bursts(seed: int = 0) -> Run:
    """Healthy, but every plateau opens with a 300 ms burst of logins: not a sawtooth."""
    rng = np.random.default_rng(seed)
    users = staircase(100, 800, 100, 15)
    since = _step_starts(users)
    latency = np.where(since == 0, 300.0, 5.0)
    total, _ = _series(rng, users, latency)
    return Run(total)


def too_short(seed: int = 0) -> Run:
    """Fifteen seconds."""
    rng = np.random.default_rng(seed)
    users = staircase(100, 300, 100, 5)
    total, _ = _series(rng, users, np.full(len(users), 5.0))
    return Run(total)


def constant_load(seed: int = 0) -> Run:
    """One plateau, no spikes: nothing varies, so there is nothing to compare."""
    rng = np.random.default_rng(seed)
    users = np.full(120, 300)
    total, _ = _series(rng, users, np.full(len(users), 5.0))
    return Run(total)


GENERATORS: dict[str, Callable[[int], Run]] = {
    "healthy": healthy,
    "linear": linear,
    "cliff": cliff,
    "sawtooth": sawtooth,
    "flat_then_spike": flat_then_spike,
}
