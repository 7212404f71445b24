"""Event listeners that wait, as under gevent: a ticker spawned at test_start and killed
(waiting for it) at test_stop, a lock and a group joined in listeners, a sleep in init."""

import gevent
from gevent.lock import RLock, Semaphore
from gevent.pool import Group
from locust import HttpUser, constant, events, task

LOCK = RLock()
ticks = []
background = None


@events.init.add_listener
def _settle(environment, **_kwargs):
    gevent.sleep(0.01)
    with LOCK, LOCK:  # re-entrant
        ticks.append("init")


@events.test_start.add_listener
def _start_ticker(environment, **_kwargs):
    global background

    def tick():
        while True:
            ticks.append("tick")
            gevent.sleep(0.1)

    background = gevent.spawn(tick)
    with Semaphore(1):
        gevent.sleep(0.01)


@events.test_stop.add_listener
def _stop_ticker(environment, **_kwargs):
    background.kill()  # waits until it is dead
    group = Group()
    group.spawn(gevent.sleep, 0.01)
    group.join()
    print(f"TICKER DEAD: {background.dead}, TICKS: {ticks.count('tick') > 0}")


class Browser(HttpUser):
    wait_time = constant(0.1)

    @task
    def health(self):
        self.client.get("/health")
