"""A LoadTestShape with 2-tuple stages read from get_run_time()."""

from locust import HttpUser, LoadTestShape, constant, task


class Visitor(HttpUser):
    wait_time = constant(0.1)

    @task
    def health(self):
        self.client.get("/health")


class Stages(LoadTestShape):
    stages = [(1.5, 2, 10), (3, 5, 10)]  # (until second, users, spawn rate)

    def tick(self):
        run_time = self.get_run_time()
        for until, users, rate in self.stages:
            if run_time < until:
                return users, rate
        return None
