"""Locust's "stop on threshold" pattern: a gevent.spawn'ed checker started in init."""

import gevent
from gevent.lock import Semaphore
from locust import HttpUser, constant, events, task
from locust.runners import STATE_CLEANUP, STATE_STOPPED, STATE_STOPPING, MasterRunner

entrance = Semaphore(2)


def checker(environment):
    while environment.runner.state not in [STATE_STOPPING, STATE_STOPPED, STATE_CLEANUP]:
        gevent.sleep(0.2)
        if environment.runner.stats.total.num_requests >= 20:
            print("CHECKER quitting")
            environment.runner.quit()
            return


@events.init.add_listener
def on_init(environment, **kwargs):
    if not isinstance(environment.runner, MasterRunner):
        gevent.spawn(checker, environment)


class Visitor(HttpUser):
    wait_time = constant(0.05)

    def on_start(self):
        with entrance:
            gevent.sleep(0.01)

    @task
    def health(self):
        self.client.get("/health")
