"""Each user takes its own account from a gevent queue filled when the file loads, and
gives it back when it stops; a gevent Timeout bounds how long one may wait for it."""

import gevent
from gevent.queue import Empty, Queue
from locust import HttpUser, constant, events, task

ACCOUNTS = Queue()
for number in range(1, 4):
    ACCOUNTS.put_nowait(f"user{number}@example.com")


class Shopper(HttpUser):
    wait_time = constant(0.05)

    def on_start(self):
        try:
            self.email = ACCOUNTS.get(timeout=0.3)  # three accounts for four users
        except Empty:
            self.email = None
            return
        with gevent.Timeout(10):
            self.client.post(
                "/api/auth/login",
                json={"email": self.email, "password": "secret"},
                name=f"login {self.email}",
            )

    @task
    def browse(self):
        self.client.get("/health", name=f"health {self.email or 'without an account'}")

    def on_stop(self):
        if self.email is not None:
            ACCOUNTS.put(self.email)


@events.quitting.add_listener
def _all_accounts_back(environment, **_kwargs):
    print(f"ACCOUNTS BACK: {ACCOUNTS.qsize()}")
