"""The shop's queries on a seeded database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from horde.demo._database import open_connection
from horde.demo._seed import PASSWORD, create_database, user_email
from horde.demo._store import (
    append_activity,
    count_activity,
    feed,
    find_user,
    format_time,
    password_hash,
    place_order,
    to_csv,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def connection(tmp_path):
    path = tmp_path / "shop.sqlite3"
    create_database(path, NOW)
    connection = open_connection(path)
    yield connection
    connection.close()


def test_the_seed_is_deterministic(tmp_path):
    dumps = []
    for name in ("a.sqlite3", "b.sqlite3"):
        create_database(tmp_path / name, NOW)
        with sqlite3.connect(tmp_path / name) as connection:
            dumps.append(list(connection.iterdump()))
        connection.close()
    assert dumps[0] == dumps[1]


def test_the_database_is_in_wal_mode(connection):
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_activity_log_has_no_index(connection):
    indexes = connection.execute("PRAGMA index_list('activity')").fetchall()
    assert indexes == []


@pytest.mark.parametrize("number", [1, 1000])
def test_seeded_users_have_the_demo_password(connection, number):
    user_id, stored = find_user(connection, user_email(number))
    assert user_id == number
    assert stored == password_hash(user_email(number), PASSWORD)


def test_find_user_is_none_for_strangers(connection):
    assert find_user(connection, "user1001@example.com") is None


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2025, 1, 31, 12, 0, 5, 999, tzinfo=UTC), "2025-01-31T12:00:05Z"),
        (datetime(2025, 1, 31), "2025-01-31T00:00:00Z"),
        (datetime.fromisoformat("2025-01-31T01:00:00+02:00"), "2025-01-30T23:00:00Z"),
    ],
)
def test_format_time(moment, text):
    assert format_time(moment) == text


def test_place_order_on_an_empty_cart_is_none(connection):
    assert place_order(connection, 1, NOW) is None


def test_feed_counts_views_since(connection):
    old, new = format_time(NOW - timedelta(days=2)), format_time(NOW)
    append_activity(
        connection,
        [(old, "view", "/api/products/1", 1)] * 5
        + [(new, "view", "/api/products/2", 2)] * 2
        + [(new, "request", "/api/products", None)] * 9,
    )
    assert count_activity(connection) == 16
    yesterday = format_time(NOW - timedelta(days=1))
    assert feed(connection, yesterday)["trending"] == [{"product_id": 2, "views": 2}]
    assert feed(connection, format_time(NOW - timedelta(days=3)))["trending"] == [
        {"product_id": 1, "views": 5},
        {"product_id": 2, "views": 2},
    ]


def test_to_csv():
    assert to_csv([]) == ""
    assert to_csv([{"a": 1, "b": "x,y"}]) == 'a,b\n1,"x,y"\n'
