"""The shop's queries: plain functions of a SQLite connection, run in worker threads.

Each takes the connection first and returns JSON-ready data; none touches the
event loop. Money is stored in cents and shown as a decimal price.
"""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "REPORT_FORMATS",
    "REPORT_TYPES",
    "Json",
    "add_cart_item",
    "append_activity",
    "count_activity",
    "dashboard",
    "export_products",
    "feed",
    "find_user",
    "format_time",
    "generate_report",
    "get_cart",
    "get_product",
    "list_products",
    "password_hash",
    "place_order",
    "product_exists",
]

Json = dict[str, Any]

REPORT_TYPES = ("customers", "inventory", "sales")
REPORT_FORMATS = ("csv", "json")

_SUMMARY_COLUMNS = "id, name, category, price_cents / 100.0 AS price, rating"
_DETAIL_COLUMNS = (
    "id, sku, name, category, price_cents / 100.0 AS price, stock, rating, description, updated_at"
)


def format_time(moment: datetime) -> str:
    """``moment`` as the UTC text the database stores and compares (``2025-01-31T12:00:00Z``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def password_hash(email: str, password: str) -> str:
    """The stored hash of a user's password (salted with the e-mail address)."""
    return hashlib.sha256(f"{email}\0{password}".encode()).hexdigest()


def find_user(connection: sqlite3.Connection, email: str) -> tuple[int, str] | None:
    """The id and password hash of the user with ``email``, if there is one."""
    row = connection.execute(
        "SELECT id, password_hash FROM users WHERE email = ?", (email,)
    ).fetchone()
    return None if row is None else (row[0], row[1])


def list_products(connection: sqlite3.Connection, page: int, limit: int) -> Json:
    """One page of the catalogue, by id."""
    total = connection.execute("SELECT COUNT(*) FROM products").fetchone()[0]
    cursor = connection.execute(
        f"SELECT {_SUMMARY_COLUMNS} FROM products ORDER BY id LIMIT ? OFFSET ?",
        (limit, (page - 1) * limit),
    )
    return {"page": page, "limit": limit, "total": total, "items": _records(cursor)}


def get_product(connection: sqlite3.Connection, product_id: int) -> Json | None:
    """Every field of one product, or ``None``."""
    cursor = connection.execute(
        f"SELECT {_DETAIL_COLUMNS} FROM products WHERE id = ?", (product_id,)
    )
    records = _records(cursor)
    return records[0] if records else None


def product_exists(connection: sqlite3.Connection, product_id: int) -> bool:
    """Whether the catalogue holds ``product_id``."""
    query = "SELECT 1 FROM products WHERE id = ?"
    return connection.execute(query, (product_id,)).fetchone() is not None


def add_cart_item(
    connection: sqlite3.Connection, user_id: int, product_id: int, quantity: int
) -> Json | None:
    """Add ``quantity`` of a product to a cart; ``None`` if the product does not exist."""
    if not product_exists(connection, product_id):
        return None
    connection.execute(
        "INSERT INTO cart_items VALUES (?, ?, ?) ON CONFLICT (user_id, product_id) "
        "DO UPDATE SET quantity = quantity + excluded.quantity",
        (user_id, product_id, quantity),
    )
    return get_cart(connection, user_id)


def get_cart(connection: sqlite3.Connection, user_id: int) -> Json:
    """A user's cart with its line totals."""
    rows = connection.execute(
        "SELECT c.product_id, p.name, c.quantity, p.price_cents FROM cart_items AS c "
        "JOIN products AS p ON p.id = c.product_id WHERE c.user_id = ? ORDER BY c.product_id",
        (user_id,),
    ).fetchall()
    items = [
        {"product_id": pid, "name": name, "quantity": quantity, "price": price / 100}
        for pid, name, quantity, price in rows
    ]
    total = sum(quantity * price for _, _, quantity, price in rows)
    return {"items": items, "total": total / 100}


def place_order(connection: sqlite3.Connection, user_id: int, now: datetime) -> Json | None:
    """Turn a user's cart into an order and empty the cart; ``None`` if the cart is empty.

    Call it inside a write transaction.
    """
    cart = connection.execute(
        "SELECT c.product_id, c.quantity, p.price_cents FROM cart_items AS c "
        "JOIN products AS p ON p.id = c.product_id WHERE c.user_id = ? ORDER BY c.product_id",
        (user_id,),
    ).fetchall()
    if not cart:
        return None
    total = sum(quantity * price for _, quantity, price in cart)
    created_at = format_time(now)
    order_id = connection.execute(
        "INSERT INTO orders (user_id, status, total_cents, created_at) VALUES (?, 'placed', ?, ?)",
        (user_id, total, created_at),
    ).lastrowid
    connection.executemany(
        "INSERT INTO order_items VALUES (?, ?, ?, ?)", [(order_id, *row) for row in cart]
    )
    connection.execute("DELETE FROM cart_items WHERE user_id = ?", (user_id,))
    items = [
        {"product_id": pid, "quantity": quantity, "price": price / 100}
        for pid, quantity, price in cart
    ]
    return {
        "id": order_id,
        "status": "placed",
        "items": items,
        "total": total / 100,
        "created_at": created_at,
    }


def dashboard(connection: sqlite3.Connection, now: datetime) -> Json:
    """Aggregates over every order: totals, statuses, best sellers, the last 7 days."""
    orders, revenue = connection.execute(
        "SELECT COUNT(*), COALESCE(SUM(total_cents), 0) FROM orders WHERE status != 'cancelled'"
    ).fetchone()
    statuses = connection.execute(
        "SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY status"
    ).fetchall()
    best_sellers = connection.execute(
        "SELECT i.product_id, p.name, SUM(i.quantity) AS units FROM order_items AS i "
        "JOIN products AS p ON p.id = i.product_id "
        "GROUP BY i.product_id ORDER BY units DESC, i.product_id LIMIT 5"
    ).fetchall()
    return {
        "orders": orders,
        "revenue": revenue / 100,
        "orders_by_status": dict(statuses),
        "best_sellers": [
            {"product_id": pid, "name": name, "units": units} for pid, name, units in best_sellers
        ],
        "last_7_days": _daily_sales(connection, now - timedelta(days=7)),
    }


def generate_report(
    connection: sqlite3.Connection, report_type: str, report_format: str, now: datetime
) -> Json:
    """Build a report (one of :data:`REPORT_TYPES`) and record that it was made.

    Call it inside a write transaction.
    """
    if report_type == "sales":
        rows = _daily_sales(connection, now - timedelta(days=30))
    elif report_type == "inventory":
        rows = _inventory(connection)
    else:
        rows = _top_customers(connection)
    created_at = format_time(now)
    report_id = connection.execute(
        "INSERT INTO reports (type, format, row_count, created_at) VALUES (?, ?, ?, ?)",
        (report_type, report_format, len(rows), created_at),
    ).lastrowid
    content: object = rows if report_format == "json" else to_csv(rows)
    return {
        "id": report_id,
        "type": report_type,
        "format": report_format,
        "status": "ready",
        "created_at": created_at,
        "row_count": len(rows),
        "content": content,
    }


def feed(connection: sqlite3.Connection, since: str, limit: int = 20) -> Json:
    """The mobile feed: products updated since ``since``, and what is trending since then.

    The trending part aggregates the whole activity log on every call (the log has
    no index and no pre-aggregated counts): its cost grows with the log.
    """
    total = connection.execute(
        "SELECT COUNT(*) FROM products WHERE updated_at >= ?", (since,)
    ).fetchone()[0]
    items = _records(
        connection.execute(
            f"SELECT {_SUMMARY_COLUMNS}, updated_at FROM products WHERE updated_at >= ? "
            "ORDER BY updated_at DESC, id LIMIT ?",
            (since, limit),
        )
    )
    trending = connection.execute(
        "SELECT product_id, COUNT(*) AS views FROM activity "
        "WHERE kind = 'view' AND created_at >= ? "
        "GROUP BY product_id ORDER BY views DESC, product_id LIMIT 5",
        (since,),
    ).fetchall()
    return {
        "since": since,
        "total": total,
        "items": items,
        "trending": [{"product_id": pid, "views": views} for pid, views in trending],
    }


def export_products(connection: sqlite3.Connection, page: int, limit: int) -> list[Json]:
    """A page of products with every field, for the data export."""
    return _records(
        connection.execute(
            f"SELECT {_DETAIL_COLUMNS} FROM products ORDER BY id LIMIT ? OFFSET ?",
            (limit, (page - 1) * limit),
        )
    )


def append_activity(
    connection: sqlite3.Connection, rows: Iterable[tuple[str, str, str, int | None]]
) -> None:
    """Append ``(created_at, kind, path, product_id)`` rows to the activity log."""
    connection.executemany(
        "INSERT INTO activity (created_at, kind, path, product_id) VALUES (?, ?, ?, ?)", rows
    )


def count_activity(connection: sqlite3.Connection) -> int:
    """How many rows the activity log holds."""
    count: int = connection.execute("SELECT COUNT(*) FROM activity").fetchone()[0]
    return count


def to_csv(rows: list[Json]) -> str:
    """``rows`` (dicts with the same keys) as CSV text with a header line."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def _records(cursor: sqlite3.Cursor) -> list[Json]:
    """Every row of ``cursor`` as a dict keyed by column name."""
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _daily_sales(connection: sqlite3.Connection, since: datetime) -> list[Json]:
    rows = connection.execute(
        "SELECT substr(created_at, 1, 10) AS day, COUNT(*), SUM(total_cents) FROM orders "
        "WHERE created_at >= ? AND status != 'cancelled' GROUP BY day ORDER BY day",
        (format_time(since),),
    ).fetchall()
    return [{"day": day, "orders": orders, "revenue": cents / 100} for day, orders, cents in rows]


def _inventory(connection: sqlite3.Connection) -> list[Json]:
    rows = connection.execute(
        "SELECT category, COUNT(*), SUM(stock), AVG(price_cents) FROM products "
        "GROUP BY category ORDER BY category"
    ).fetchall()
    return [
        {"category": category, "products": count, "stock": stock, "average_price": round(avg) / 100}
        for category, count, stock, avg in rows
    ]


def _top_customers(connection: sqlite3.Connection) -> list[Json]:
    rows = connection.execute(
        "SELECT u.id, u.email, COUNT(*), SUM(o.total_cents) AS spent FROM orders AS o "
        "JOIN users AS u ON u.id = o.user_id WHERE o.status != 'cancelled' "
        "GROUP BY u.id ORDER BY spent DESC, u.id LIMIT 20"
    ).fetchall()
    return [
        {"user_id": uid, "email": email, "orders": orders, "spent": cents / 100}
        for uid, email, orders, cents in rows
    ]
