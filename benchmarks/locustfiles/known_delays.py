"""Requests whose delays are known: ``GET /<ms>`` against ``_delay_target.py``.

The delays cycle through 1,000 evenly spaced values from 5 ms to 304.7 ms, so after
any whole number of cycles their percentiles are exactly those of ``DELAYS``. A plain
Locust locustfile: the same file drives horde and Locust.
"""

import itertools

from locust import FastHttpUser, constant, task

DELAYS = [round(5 + 0.3 * index, 1) for index in range(1000)]
_next_delay = itertools.cycle(DELAYS)


class KnownDelayUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def delayed(self):
        self.client.get(f"/{next(_next_delay)}", name="/[delay]")
