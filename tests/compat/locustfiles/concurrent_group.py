"""Concurrent requests inside a task, as Locust's documentation shows them: a gevent
Group of spawned requests, joined before the task ends."""

from gevent.pool import Group
from locust import HttpUser, constant, task


class Parallel(HttpUser):
    wait_time = constant(0.5)

    @task
    def product_page(self):
        group = Group()
        group.spawn(self.client.get, "/api/products/1", name="/api/products/[id]")
        group.spawn(self.client.get, "/api/products?page=1&limit=5", name="/api/products")
        group.spawn(self.client.get, "/health")
        group.join()
        self.client.post("/api/cart/items", json={"product_id": 1}, name="after the group")
