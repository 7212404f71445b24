"""A plain User firing the request event by hand, as custom clients do."""

import time

from locust import User, constant, events, task


class ManualUser(User):
    wait_time = constant(0.05)

    @task
    def work(self):
        start = time.perf_counter()
        events.request.fire(
            request_type="manual",
            name="compute",
            response_time=(time.perf_counter() - start) * 1000,
            response_length=10,
            exception=None,
            context={},
        )

    @task
    def broken(self):
        with events.request.measure("manual", "measured") as meta:
            meta["response_length"] = 3
            raise ValueError("measured failure")
