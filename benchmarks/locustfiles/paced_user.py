"""Many users at one request a second each: the users-per-process scenario.

A plain Locust locustfile (``FastHttpUser``, which horde runs on its own client), so
the same file drives horde and Locust.
"""

from locust import FastHttpUser, constant_throughput, task


class PacedUser(FastHttpUser):
    wait_time = constant_throughput(1)

    @task
    def index(self):
        self.client.get("/")
