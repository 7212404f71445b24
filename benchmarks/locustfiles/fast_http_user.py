"""Hot loop with Locust's ``FastHttpUser`` (geventhttpclient): one small GET, no wait."""

from locust import FastHttpUser, constant, task


class HotLoopUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def index(self):
        self.client.get("/")
