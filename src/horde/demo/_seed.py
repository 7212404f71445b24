"""The demo shop's schema and its deterministic seed data.

Seeded at startup into a fresh file: 1,000 users (``user1@example.com`` to
``user1000@example.com``, password ``secret``), 1,000 products (ids 1 to 1,000,
ten categories) updated over the past year, and 2,000 past orders for the admin
dashboard. The same seed always gives the same rows, relative to ``now``.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from horde.demo._store import format_time, password_hash

__all__ = [
    "CATEGORIES",
    "PASSWORD",
    "PRODUCT_COUNT",
    "USER_COUNT",
    "create_database",
    "user_email",
]

PRODUCT_COUNT = 1000
USER_COUNT = 1000
SEEDED_ORDERS = 2000
#: Every seeded user's password.
PASSWORD = "secret"
CATEGORIES = (
    "books",
    "electronics",
    "garden",
    "grocery",
    "health",
    "home",
    "kitchen",
    "outdoors",
    "sports",
    "toys",
)

_SCHEMA = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL
);
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price_cents INTEGER NOT NULL,
    stock INTEGER NOT NULL,
    rating REAL NOT NULL,
    description TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX products_by_updated_at ON products (updated_at);
CREATE TABLE cart_items (
    user_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    PRIMARY KEY (user_id, product_id)
) WITHOUT ROWID;
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE order_items (
    order_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price_cents INTEGER NOT NULL,
    PRIMARY KEY (order_id, product_id)
) WITHOUT ROWID;
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    format TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
-- Deliberately no index: the slow-query profile's feed aggregates it whole.
CREATE TABLE activity (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    product_id INTEGER
);
"""

_ADJECTIVES = ("Classic", "Compact", "Deluxe", "Eco", "Essential", "Pro", "Smart", "Ultra")
_NOUNS = ("Bundle", "Kit", "Pack", "Set", "Edition", "Series", "Model", "Collection")
_WORDS = (
    "durable",
    "lightweight",
    "handmade",
    "recycled",
    "premium",
    "versatile",
    "portable",
    "weatherproof",
    "quiet",
    "efficient",
    "modular",
    "sturdy",
)


def user_email(number: int) -> str:
    """The e-mail address of seeded user ``number`` (1 to :data:`USER_COUNT`)."""
    return f"user{number}@example.com"


def create_database(path: Path, now: datetime, seed: int = 1000) -> None:
    """Create ``path`` in WAL mode with the schema and the seed rows.

    Args:
        path: A file that does not exist yet.
        now: The time the seeded dates count back from.
        seed: The random seed; the same seed gives the same rows.
    """
    generator = random.Random(seed)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.executescript(_SCHEMA)
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO users VALUES (?, ?, ?, ?)", _users())
        connection.executemany(
            "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", _products(generator, now)
        )
        _insert_orders(connection, generator, now)
        connection.execute("COMMIT")
    finally:
        connection.close()


def _users() -> list[tuple[int, str, str, str]]:
    return [
        (number, user_email(number), f"User {number}", password_hash(user_email(number), PASSWORD))
        for number in range(1, USER_COUNT + 1)
    ]


def _products(generator: random.Random, now: datetime) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for product_id in range(1, PRODUCT_COUNT + 1):
        category = CATEGORIES[product_id % len(CATEGORIES)]
        name = f"{generator.choice(_ADJECTIVES)} {category.title()} {generator.choice(_NOUNS)}"
        description = " ".join(generator.choices(_WORDS, k=12)).capitalize() + "."
        updated_at = now - timedelta(minutes=generator.randrange(365 * 24 * 60))
        rows.append(
            (
                product_id,
                f"SKU-{product_id:05d}",
                f"{name} {product_id}",
                category,
                generator.randrange(199, 49_999),
                generator.randrange(0, 500),
                round(generator.uniform(1, 5), 1),
                description,
                format_time(updated_at),
            )
        )
    return rows


def _insert_orders(connection: sqlite3.Connection, generator: random.Random, now: datetime) -> None:
    prices = dict(connection.execute("SELECT id, price_cents FROM products").fetchall())
    statuses = ("placed", "paid", "shipped", "delivered", "cancelled")
    for order_id in range(1, SEEDED_ORDERS + 1):
        products = generator.sample(range(1, PRODUCT_COUNT + 1), generator.randint(1, 4))
        items = [(order_id, p, generator.randint(1, 3), prices[p]) for p in products]
        created_at = now - timedelta(minutes=generator.randrange(90 * 24 * 60))
        connection.execute(
            "INSERT INTO orders VALUES (?, ?, ?, ?, ?)",
            (
                order_id,
                generator.randint(1, USER_COUNT),
                generator.choice(statuses),
                sum(quantity * price for _, _, quantity, price in items),
                format_time(created_at),
            ),
        )
        connection.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?)", items)
