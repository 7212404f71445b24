"""The connection pool and the thread-pool database."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest

from horde.demo import PoolTimeoutError
from horde.demo._database import ConnectionPool, Database
from horde.demo._seed import create_database


@pytest.fixture
def database_path(tmp_path):
    path = tmp_path / "shop.sqlite3"
    create_database(path, datetime(2025, 6, 1, tzinfo=UTC))
    return path


def _with_database(path, scenario, **options):
    """Run ``scenario(database)`` on a fresh loop with a database open on ``path``."""

    async def main():
        database = Database(path, **{"connections": 2, "acquire_timeout_s": 1.0, **options})
        try:
            return await scenario(database)
        finally:
            await database.close()

    return asyncio.run(main())


def test_pool_hands_out_and_takes_back():
    async def scenario():
        connections = [sqlite3.connect(":memory:") for _ in range(2)]
        pool = ConnectionPool(list(connections), acquire_timeout_s=0.05)
        first, second = await pool.acquire(), await pool.acquire()
        assert {id(first), id(second)} == {id(c) for c in connections}
        with pytest.raises(PoolTimeoutError, match="all 2 database connections"):
            await pool.acquire()
        pool.release(first)
        assert await pool.acquire() is first
        for connection in connections:
            connection.close()

    asyncio.run(scenario())


def test_pool_wakes_the_longest_waiter_first():
    async def scenario():
        connection = sqlite3.connect(":memory:")
        pool = ConnectionPool([connection], acquire_timeout_s=1.0)
        held = await pool.acquire()
        order = []

        async def waiter(name):
            await pool.acquire()
            order.append(name)
            pool.release(connection)

        tasks = [asyncio.create_task(waiter(name)) for name in ("first", "second")]
        await asyncio.sleep(0.01)
        pool.release(held)
        await asyncio.gather(*tasks)
        connection.close()
        return order

    assert asyncio.run(scenario()) == ["first", "second"]


def test_reads_run_off_the_event_loop(database_path):
    loop_thread = threading.get_ident()

    def query(connection):
        return threading.get_ident(), connection.execute("SELECT COUNT(*) FROM users").fetchone()

    async def scenario(database):
        return await database.read(query)

    thread, (count,) = _with_database(database_path, scenario)
    assert thread != loop_thread
    assert count == 1000


def test_writes_commit_or_roll_back(database_path):
    def insert(connection, name):
        connection.execute("INSERT INTO reports VALUES (NULL, ?, 'json', 0, '')", (name,))

    def insert_then_fail(connection):
        insert(connection, "lost")
        raise RuntimeError("boom")

    def names(connection):
        return [row[0] for row in connection.execute("SELECT type FROM reports")]

    async def scenario(database):
        await database.write(insert, "kept")
        with pytest.raises(RuntimeError, match="boom"):
            await database.write(insert_then_fail)
        return await database.read(names)

    assert _with_database(database_path, scenario) == ["kept"]


def test_concurrent_writes_do_not_collide(database_path):
    def insert(connection, number):
        connection.execute("INSERT INTO reports VALUES (NULL, ?, 'json', 0, '')", (str(number),))

    async def scenario(database):
        await asyncio.gather(*(database.write(insert, number) for number in range(50)))
        return await database.read(
            lambda connection: connection.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
        )

    assert _with_database(database_path, scenario, connections=4) == 50


def test_hold_keeps_the_connection_busy(database_path):
    async def scenario(database):
        started = time.perf_counter()
        await asyncio.gather(*(database.read(lambda c: None) for _ in range(2)))
        return time.perf_counter() - started

    assert _with_database(database_path, scenario, connections=1, hold_s=0.05) >= 0.1


def test_an_exhausted_pool_times_out(database_path):
    async def scenario(database):
        return await asyncio.gather(
            *(database.read(lambda c: "done") for _ in range(3)), return_exceptions=True
        )

    results = _with_database(
        database_path, scenario, connections=1, acquire_timeout_s=0.05, hold_s=0.2
    )
    assert results[0] == "done"
    assert all(isinstance(result, PoolTimeoutError) for result in results[1:])


def test_a_cancelled_query_keeps_its_connection_until_the_thread_is_done(database_path):
    async def scenario(database):
        slow = asyncio.create_task(database.read(lambda c: time.sleep(0.2)))
        await asyncio.sleep(0.05)
        slow.cancel()
        await asyncio.gather(slow, return_exceptions=True)
        with pytest.raises(PoolTimeoutError):
            await database.read(lambda c: None)
        await asyncio.sleep(0.2)
        return await database.read(lambda c: "free again")

    result = _with_database(database_path, scenario, connections=1, acquire_timeout_s=0.02)
    assert result == "free again"
