"""Hot loop with Locust's requests-style ``HttpUser``: one small GET, no wait.

A plain Locust locustfile: Locust runs it on ``requests``, horde runs it
unchanged on its own client (``import locust`` resolves to horde there).
"""

from locust import HttpUser, constant, task


class HotLoopUser(HttpUser):
    wait_time = constant(0)

    @task
    def index(self):
        self.client.get("/")
