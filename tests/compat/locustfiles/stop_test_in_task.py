"""StopTest raised in a task ends only that user; catch_response's last call wins."""

from locust import HttpUser, SequentialTaskSet, constant, task
from locust.exception import StopTest


class Steps(SequentialTaskSet):
    @task
    def first(self):
        with self.client.get("/health", catch_response=True) as response:
            response.failure("first")
            response.success()

    @task
    def second(self):
        with self.client.get("/api/products/0", catch_response=True) as response:
            if response.status_code == 404:
                response.success()

    @task
    def done(self):
        raise StopTest("this user is done")


class Stepper(HttpUser):
    wait_time = constant(0)
    tasks = [Steps]
