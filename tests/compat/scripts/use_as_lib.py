"""Locust's ``examples/use_as_lib.py``, with a local target and the CSV files.

The target and the CSV prefix come from the environment (LIBRARY_TARGET, LIBRARY_CSV).
"""

import os

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.stats import (
    PERCENTILES_TO_REPORT,
    StatsCSVFileWriter,
    stats_history,
    stats_printer,
)


class User(HttpUser):
    wait_time = between(0.01, 0.02)
    host = os.environ["LIBRARY_TARGET"]

    @task
    def products(self):
        self.client.get("/api/products")

    @task
    def missing(self):
        self.client.get("/no-such-page")


# setup Environment and Runner
env = Environment(user_classes=[User], events=events)
runner = env.create_local_runner()

# execute init event handlers (only really needed if you have registered any)
env.events.init.fire(environment=env, runner=runner, web_ui=None)

# start a greenlet that periodically outputs the current stats
gevent.spawn(stats_printer(env.stats))

# start a greenlet that saves current stats to history
gevent.spawn(stats_history, env.runner)

# write the CSV files as --csv does
csv_writer = StatsCSVFileWriter(env, PERCENTILES_TO_REPORT, os.environ["LIBRARY_CSV"])
gevent.spawn(csv_writer.stats_writer)

# start the test
runner.start(1, spawn_rate=10)

# in 2.5 seconds stop the runner (after a second stats table)
gevent.spawn_later(2.5, runner.quit)

# wait for the greenlets
runner.greenlet.join()
csv_writer.close_files()
