"""The mechanisms behind the profiles, on their own."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from horde.demo._mechanisms import ActivityLog, Staller, spend_cpu


@pytest.mark.parametrize("budget_s", [0.0, 0.005, 0.02])
def test_spend_cpu_uses_at_least_its_budget_of_cpu_time(budget_s):
    started = time.thread_time()
    digest = spend_cpu(budget_s, b"body")
    used = time.thread_time() - started
    assert used >= budget_s
    assert used < budget_s + 0.01
    assert len(digest) == 64


def test_staller_blocks_the_loop_periodically():
    staller = Staller(period_s=0.1, duration_s=0.05)

    async def measure() -> list[float]:
        task = asyncio.create_task(staller.run())
        gaps = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 0.35
        while loop.time() < deadline:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            gaps.append(time.perf_counter() - before)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return gaps

    gaps = asyncio.run(measure())
    assert staller.stalls >= 2  # at 0.1, 0.2 and 0.3 s, unless the machine is very busy
    assert sum(gap >= 0.045 for gap in gaps) == staller.stalls


def test_activity_log_buffers_rows_until_flushed():
    written: list[list[tuple[str, str, str, int | None]]] = []

    async def write(rows):
        written.append(rows)

    moment = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)
    log = ActivityLog(write, rows_per_request=2, clock=lambda: moment)

    async def scenario() -> None:
        await log.flush()
        log.record("/api/products/7", 7)
        log.record("/api/products", None)
        await log.flush()
        await log.flush()

    asyncio.run(scenario())
    view = ("2025-01-31T12:00:00Z", "view", "/api/products/7", 7)
    other = ("2025-01-31T12:00:00Z", "request", "/api/products", None)
    assert written == [[view, view, other, other]]


def test_activity_log_flushes_in_the_background():
    written = []

    async def write(rows):
        written.extend(rows)

    log = ActivityLog(write, rows_per_request=1, flush_interval_s=0.01)

    async def scenario() -> None:
        task = asyncio.create_task(log.run())
        log.record("/health", None)
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())
    assert len(written) == 1


def test_activity_log_survives_a_failed_batch(caplog):
    attempts = []

    async def write(rows):
        attempts.append(list(rows))
        if len(attempts) == 1:
            raise RuntimeError("database busy")

    log = ActivityLog(write, rows_per_request=1, flush_interval_s=0.01)

    async def scenario() -> None:
        task = asyncio.create_task(log.run())
        log.record("/a", None)
        await asyncio.sleep(0.03)
        log.record("/b", None)
        await asyncio.sleep(0.03)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())
    assert [row[2] for batch in attempts for row in batch] == ["/a", "/b"]
    assert "batch dropped" in caplog.text
