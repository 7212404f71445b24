"""The demo shop's locustfile: what ``horde demo`` runs against the demo shop.

Four kinds of users, in the proportions of a small online shop:

- :class:`ShopBrowser` (weight 3) logs in, browses the catalogue, views products
  and sometimes buys (tasks browse:detail:cart:checkout at 5:3:1:1).
- :class:`ApiConsumer` (weight 1) pulls the data export with its API key.
- :class:`MobileUser` (weight 6) opens the mobile feed, then looks at products.
- :class:`ShopAdmin` (``fixed_count = 1``) watches the dashboard and generates
  reports: exactly one admin, whatever the number of users.

So browsers, API consumers and mobile users come 3:1:6 (of 1,001 users: one
admin, then 300, 100 and 600). Every user waits 1 to 5 s between tasks, about
0.33 requests a second each. Request names are stable (ids, pages and dates
are replaced with ``[id]``, ``[page]`` and ``[date]``), so each endpoint is one
row in the statistics. Tags: ``browse`` and ``purchase`` on the browser's tasks.

It is an ordinary locustfile: replace ``horde`` with ``locust`` in the import
and Locust runs it unchanged.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from horde import HttpUser, between, tag, task

PASSWORD = "secret"
API_KEY = "horde-demo-key"
USERS = 1000
PRODUCTS = 1000
PAGES = 50  # of 20 products


def random_product() -> int:
    """A product id, with the first hundred (the front page) viewed most."""
    if random.random() < 0.5:
        return random.randint(1, 100)
    return random.randint(1, PRODUCTS)


class ShopBrowser(HttpUser):
    """Logs in once, then browses and buys."""

    weight = 3
    wait_time = between(1, 5)

    def on_start(self) -> None:
        """Log in as a random seeded user and send the token with every request."""
        email = f"user{random.randint(1, USERS)}@example.com"
        response = self.client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        if response.status_code == 200:
            token = response.json()["token"]
            self.client.headers.update({"Authorization": f"Bearer {token}"})

    @tag("browse")
    @task(5)
    def browse(self) -> None:
        """A page of the catalogue."""
        page = random.randint(1, PAGES)
        self.client.get(
            f"/api/products?page={page}&limit=20", name="/api/products?page=[page]&limit=20"
        )

    @tag("browse")
    @task(3)
    def detail(self) -> None:
        """One product."""
        self.client.get(f"/api/products/{random_product()}", name="/api/products/[id]")

    @tag("purchase")
    @task(1)
    def add_to_cart(self) -> None:
        """Put a product in the cart."""
        item = {"product_id": random_product(), "quantity": random.randint(1, 3)}
        self.client.post("/api/cart/items", json=item)

    @tag("purchase")
    @task(1)
    def checkout(self) -> None:
        """Order what is in the cart; an empty cart (409) is not a failure."""
        with self.client.post("/api/orders", catch_response=True) as response:
            if response.status_code == 409:
                response.success()


class ApiConsumer(HttpUser):
    """A partner system pulling the catalogue export."""

    weight = 1
    wait_time = between(1, 5)

    @task(3)
    def export_json(self) -> None:
        """The export as JSON."""
        self.client.get(
            "/api/v1/data/export?format=json",
            headers={"X-API-Key": API_KEY},
            name="/api/v1/data/export?format=json",
        )

    @task(1)
    def export_csv(self) -> None:
        """The export as CSV."""
        self.client.get(
            "/api/v1/data/export?format=csv",
            headers={"X-API-Key": API_KEY},
            name="/api/v1/data/export?format=csv",
        )


class ShopAdmin(HttpUser):
    """The one person watching the shop."""

    fixed_count = 1
    wait_time = between(1, 5)

    @task(3)
    def dashboard(self) -> None:
        """The dashboard."""
        self.client.get("/admin/dashboard")

    @task(1)
    def report(self) -> None:
        """A report of a random type."""
        kind = random.choice(("sales", "inventory", "customers"))
        self.client.post("/admin/reports/generate", json={"type": kind, "format": "json"})


class MobileUser(HttpUser):
    """The mobile app: the feed of what changed lately, then a product or two."""

    weight = 6
    wait_time = between(1, 5)

    @task(1)
    def feed(self) -> None:
        """What changed in the last month."""
        since = date.today() - timedelta(days=random.randint(1, 30))
        self.client.get(
            f"/api/mobile/feed?since={since.isoformat()}", name="/api/mobile/feed?since=[date]"
        )

    @task(2)
    def product(self) -> None:
        """One product from the feed."""
        self.client.get(f"/api/products/{random_product()}", name="/api/products/[id]")
