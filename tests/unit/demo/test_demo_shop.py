"""The shop's endpoints, through the ASGI interface."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from horde.demo import API_KEY, PROFILES, create_app

KEY = {"X-API-Key": API_KEY}


def test_health_names_the_profile(shop):
    reply = shop.get("/health")
    assert reply.status == 200
    assert reply.json() == {"status": "ok", "profile": "healthy"}


def test_login_returns_a_token_for_a_seeded_user(shop):
    reply = shop.post("/api/auth/login", {"email": "user1000@example.com", "password": "secret"})
    assert reply.status == 200
    assert reply.json()["user_id"] == 1000
    assert len(reply.json()["token"]) >= 20


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "user1@example.com", "password": "wrong"}, 401),
        ({"email": "user1001@example.com", "password": "secret"}, 401),
        ({"email": "nobody@example.com", "password": "secret"}, 401),
        ({"email": "user1@example.com"}, 400),
        ({"email": 1, "password": "secret"}, 400),
        (["user1@example.com", "secret"], 400),
    ],
)
def test_login_refuses(shop, body, status):
    reply = shop.post("/api/auth/login", body)
    assert reply.status == status
    assert "error" in reply.json()


def test_login_refuses_a_body_that_is_not_json(shop):
    reply = shop.request("POST", "/api/auth/login", raw_body=b"email=user1")
    assert reply.status == 400


def test_products_are_paginated(shop):
    first = shop.get("/api/products").json()
    assert (first["page"], first["limit"], first["total"]) == (1, 20, 1000)
    assert [item["id"] for item in first["items"]] == list(range(1, 21))
    page = shop.get("/api/products?page=3&limit=50").json()
    assert [item["id"] for item in page["items"]] == list(range(101, 151))
    assert set(page["items"][0]) == {"id", "name", "category", "price", "rating"}


def test_a_page_past_the_end_is_empty(shop):
    assert shop.get("/api/products?page=11&limit=100").json()["items"] == []


@pytest.mark.parametrize("query", ["page=0", "page=x", "limit=0", "limit=101", "limit=-5"])
def test_products_refuse_bad_pagination(shop, query):
    reply = shop.get(f"/api/products?{query}")
    assert reply.status == 400
    assert "must be an integer" in reply.json()["error"]


@pytest.mark.parametrize("product_id", [1, 500, 1000])
def test_product_detail(shop, product_id):
    reply = shop.get(f"/api/products/{product_id}")
    assert reply.status == 200
    product = reply.json()
    assert product["id"] == product_id
    assert product["price"] > 0
    assert {"sku", "description", "stock", "updated_at", "category"} <= set(product)


@pytest.mark.parametrize("path", ["/api/products/0", "/api/products/1001", "/api/products/abc"])
def test_product_detail_outside_the_catalogue_is_404(shop, path):
    reply = shop.get(path)
    assert reply.status == 404
    assert "error" in reply.json()


def test_unknown_paths_and_methods_answer_json(shop):
    assert shop.get("/nowhere").status == 404
    reply = shop.request("DELETE", "/api/products")
    assert reply.status == 405
    assert reply.json() == {"error": "Method Not Allowed"}


def test_cart_then_order_then_the_cart_is_empty(shop):
    auth = shop.login("user7@example.com")
    added = shop.post("/api/cart/items", {"product_id": 3, "quantity": 2}, auth)
    assert added.status == 201
    shop.post("/api/cart/items", {"product_id": 3, "quantity": 1}, auth)
    shop.post("/api/cart/items", {"product_id": 9}, auth)
    cart = shop.get("/api/cart", auth).json()
    assert [(item["product_id"], item["quantity"]) for item in cart["items"]] == [(3, 3), (9, 1)]
    order = shop.post("/api/orders", headers=auth)
    assert order.status == 201
    assert order.json()["total"] == cart["total"]
    assert order.json()["status"] == "placed"
    assert shop.get("/api/cart", auth).json() == {"items": [], "total": 0}
    assert shop.post("/api/orders", headers=auth).status == 409


def test_carts_belong_to_their_user(shop):
    alice, bob = shop.login("user1@example.com"), shop.login("user2@example.com")
    shop.post("/api/cart/items", {"product_id": 5, "quantity": 1}, alice)
    assert shop.post("/api/orders", headers=bob).status == 409
    assert shop.post("/api/orders", headers=alice).status == 201


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
)
@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/api/cart/items"), ("POST", "/api/orders"), ("GET", "/api/cart")]
)
def test_cart_and_orders_need_a_bearer_token(shop, headers, method, path):
    reply = shop.request(method, path, {"product_id": 1, "quantity": 1}, headers)
    assert reply.status == 401
    assert reply.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"product_id": 1001, "quantity": 1}, 404),
        ({"product_id": "1", "quantity": 1}, 400),
        ({"product_id": True, "quantity": 1}, 400),
        ({"product_id": 1, "quantity": 0}, 400),
        ({"product_id": 1, "quantity": 101}, 400),
        ({"quantity": 1}, 400),
    ],
)
def test_cart_refuses_bad_items(shop, body, status):
    auth = shop.login()
    assert shop.post("/api/cart/items", body, auth).status == status


def test_export_needs_the_api_key(shop):
    missing = shop.get("/api/v1/data/export")
    assert missing.status == 401
    assert "X-API-Key" in missing.json()["error"]
    assert shop.get("/api/v1/data/export", {"X-API-Key": "guess"}).status == 403


def test_export_as_json(shop):
    export = shop.get("/api/v1/data/export", KEY).json()
    assert export["count"] == 250
    assert export["products"][0]["id"] == 1
    assert "description" in export["products"][0]
    everything = shop.get("/api/v1/data/export?limit=1000", KEY).json()
    assert [p["id"] for p in everything["products"]] == list(range(1, 1001))


def test_export_as_csv(shop):
    reply = shop.get("/api/v1/data/export?format=csv&page=2&limit=10", KEY)
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.body.decode())))
    assert [int(row["id"]) for row in rows] == list(range(11, 21))


def test_export_refuses_an_unknown_format(shop):
    assert shop.get("/api/v1/data/export?format=xml", KEY).status == 400


def test_dashboard_aggregates_orders(shop):
    before = shop.get("/admin/dashboard").json()
    assert before["orders"] > 1000
    assert sum(before["orders_by_status"].values()) == 2000
    assert len(before["best_sellers"]) == 5
    assert all(len(day["day"]) == 10 for day in before["last_7_days"])
    auth = shop.login()
    shop.post("/api/cart/items", {"product_id": 1, "quantity": 1}, auth)
    shop.post("/api/orders", headers=auth)
    assert shop.get("/admin/dashboard").json()["orders"] == before["orders"] + 1


@pytest.mark.parametrize("report_type", ["sales", "inventory", "customers"])
def test_reports_in_json(shop, report_type):
    reply = shop.post("/admin/reports/generate", {"type": report_type, "format": "json"})
    assert reply.status == 201
    report = reply.json()
    assert (report["type"], report["format"], report["status"]) == (report_type, "json", "ready")
    assert report["row_count"] == len(report["content"]) > 0


def test_reports_in_csv_get_increasing_ids(shop):
    first = shop.post("/admin/reports/generate", {"type": "inventory", "format": "csv"}).json()
    second = shop.post("/admin/reports/generate", {"type": "inventory"}).json()
    assert first["content"].splitlines()[0] == "category,products,stock,average_price"
    assert len(first["content"].splitlines()) == 11
    assert second["id"] == first["id"] + 1
    assert second["format"] == "json"


@pytest.mark.parametrize(
    "body", [{"type": "weekly", "format": "json"}, {"type": "sales", "format": "pdf"}, {}, []]
)
def test_reports_refuse_unknown_kinds(shop, body):
    assert shop.post("/admin/reports/generate", body).status == 400


def test_feed_lists_products_updated_since(shop):
    since = (date.today() - timedelta(days=30)).isoformat()
    feed = shop.get(f"/api/mobile/feed?since={since}").json()
    assert 0 < feed["total"] < 1000
    assert len(feed["items"]) == min(20, feed["total"])
    stamps = [item["updated_at"] for item in feed["items"]]
    assert stamps == sorted(stamps, reverse=True)
    assert all(stamp >= since for stamp in stamps)
    assert feed["trending"] == []


@pytest.mark.parametrize(
    "since", ["2020-01-01", "2020-01-01T00:00:00", "2020-01-01T02:00:00+02:00", "2020-01-01T00:00Z"]
)
def test_feed_accepts_iso_dates_and_datetimes(shop, since):
    feed = shop.get(f"/api/mobile/feed?since={since.replace('+', '%2B')}").json()
    assert feed["since"] == "2020-01-01T00:00:00Z"
    assert feed["total"] == 1000


def test_feed_in_the_future_is_empty(shop):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert shop.get(f"/api/mobile/feed?since={tomorrow}").json()["items"] == []


@pytest.mark.parametrize("query", ["", "?since=", "?since=yesterday", "?since=2025-13-01"])
def test_feed_needs_an_iso_since(shop, query):
    reply = shop.get(f"/api/mobile/feed{query}")
    assert reply.status == 400
    assert "ISO" in reply.json()["error"]


@pytest.mark.parametrize("profile", ["fast", "", "Healthy", "slow_query"])
def test_an_unknown_profile_is_a_value_error_listing_the_valid_ones(profile):
    with pytest.raises(ValueError, match="unknown demo profile") as raised:
        create_app(profile)
    for name in PROFILES:
        assert name in str(raised.value)


def test_the_database_lives_only_while_the_app_runs(open_shop, tmp_path):
    client = open_shop()
    assert len(list(tmp_path.glob("horde-demo-*/shop.sqlite3"))) == 1
    client.close()
    assert list(tmp_path.iterdir()) == []
    client.close = lambda: None  # already closed; the fixture's cleanup is a no-op


def test_the_shop_refuses_queries_before_startup():
    app = create_app()
    with pytest.raises(RuntimeError, match="not running"):
        _ = app.state.shop.database
