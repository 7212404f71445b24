"""Requests whose delays are known: ``GET /<ms>`` against ``_delay_target.py``.

The delays are 1,000 evenly spaced values from 5 ms to 304.7 ms, taken in van der
Corput order (the binary digits of a counter, reversed), so that the requests made up
to any moment spread evenly over them: however many requests a run completes, their
percentiles are those of ``DELAYS``. A plain Locust locustfile: the same file drives
horde and Locust.
"""

from collections.abc import Iterator

from locust import FastHttpUser, constant, task

DELAYS = [round(5 + 0.3 * index, 1) for index in range(1000)]


def _evenly() -> Iterator[float]:
    counter = 0
    while True:
        counter += 1
        fraction, scale, bits = 0.0, 1.0, counter
        while bits:
            scale /= 2
            fraction += (bits & 1) * scale
            bits >>= 1
        yield DELAYS[int(fraction * len(DELAYS))]


_next_delay = _evenly()


class KnownDelayUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def delayed(self):
        self.client.get(f"/{next(_next_delay)}", name="/[delay]")
