"""The shape of Locust's quickstart: weights, on_start login, name= grouping, time.sleep."""

import time

from locust import HttpUser, between, task


class QuickstartUser(HttpUser):
    wait_time = between(0.01, 0.05)

    def on_start(self):
        credentials = {"email": "user2@example.com", "password": "secret"}
        self.client.post("/api/auth/login", json=credentials)

    @task
    def health(self):
        self.client.get("/health")
        time.sleep(0.05)  # cooperative: the other users keep going

    @task(3)
    def view_items(self):
        for item_id in range(1, 4):
            self.client.get(f"/api/products/{item_id}", name="/api/products/[id]")
