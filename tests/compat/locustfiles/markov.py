"""A MarkovTaskSet journey: every form of transition, a login in on_start, tag filtering."""

from locust import FastHttpUser, between, tag, task
from locust.user.markov_taskset import MarkovTaskSet, transition, transitions


class Journey(MarkovTaskSet):
    def on_start(self):
        self.client.post(
            "/api/auth/login", json={"email": "user1@example.com", "password": "secret"}
        )

    @transition("browse")
    def home(self):
        self.client.get("/health")

    @transitions({"detail": 3, "home": 1})
    def browse(self):
        self.client.get("/api/products?page=1&limit=5", name="/api/products")

    @transitions([("browse", 2), "home"])
    @transition("detail", weight=0)
    def detail(self):
        self.client.get("/api/products/7", name="/api/products/[id]")


class Shopper(FastHttpUser):
    wait_time = between(0.01, 0.02)
    tasks = [Journey]

    @tag("admin")
    @task(3)  # a user whose first pick is the journey stays in it: most pick this first
    def dashboard(self):
        self.client.get("/admin/dashboard")
