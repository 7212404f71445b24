"""Reported percentiles against a target whose delays are known."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

PERCENTILES = (0.5, 0.75, 0.9, 0.95, 0.99, 1.0)


# The target tells how long it took to serve each request (``X-Served-Ms``, from the
# handler's start to its answer): that is the truth horde is held to. A sleeping thread
# wakes late now and then on a busy machine, and the delay it was asked for would count
# the target's own lateness as horde's error.
#
# The target runs in its own interpreter: inside pytest's process, garbage collections
# over the whole test session's objects would delay its answers. A thread waking from its
# sleep waits for the GIL up to the switch interval (5 ms by default), which made a
# request late by that much now and then: the target hands the GIL over every 0.1 ms.
DELAY_SERVER = """
import gc, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.setswitchinterval(0.0001)
gc.disable()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        arrived = time.perf_counter()
        time.sleep(float(self.path.rsplit("/", 1)[1]) / 1000)
        served = (time.perf_counter() - arrived) * 1000
        # One write: headers and body in separate segments would meet Nagle's algorithm.
        self.wfile.write(
            b"HTTP/1.1 200 OK\\r\\nX-Served-Ms: %.3f\\r\\nContent-Length: 2\\r\\n\\r\\nok" % served
        )

    def log_message(self, *args):
        pass

class Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops simultaneous connects (1 s SYN retries)
    daemon_threads = True

server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@pytest.fixture
def delay_server():
    process = subprocess.Popen(
        [sys.executable, "-c", DELAY_SERVER], stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def exact(values, p):
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)]


def test_percentiles_are_within_one_percent_of_the_truth(horde, locustfile, tmp_path, delay_server):
    url = delay_server
    locustfile(
        f"""
        import itertools, json, random
        from locust import HttpUser, constant, events, task

        DELAYS = [5 + 3 * i for i in range(100)]  # 5 ms .. 302 ms
        observed = []

        @events.request.add_listener
        def on_request(name, response_time, response, **kwargs):
            if name == "/delay":
                observed.append((response_time, float(response.headers["X-Served-Ms"])))

        @events.test_stop.add_listener
        def dump(environment, **kwargs):
            delayed = environment.runner.stats.get("/delay", "GET")
            reported = {{str(p): delayed.get_response_time_percentile(p) for p in {PERCENTILES!r}}}
            with open("percentiles.json", "w") as handle:
                json.dump({{"reported": reported, "observed": observed}}, handle)

        class Reader(HttpUser):
            wait_time = constant(0)

            def on_start(self):
                # Connect first: the target's time to accept a connection is not in the
                # time it says it served a request, and it is long while the machine is busy.
                self.client.get("/delay/0", name="/connect")
                delays = DELAYS[:]
                random.Random(id(self)).shuffle(delays)
                self.delays = itertools.cycle(delays)

            @task
            def read(self):
                self.client.get(f"/delay/{{next(self.delays)}}", name="/delay")
        """
    )
    result = horde("--headless", "-u", "20", "-r", "20", "-t", "4s", "-H", url, "--only-summary")
    assert result.code == 0, result.stderr
    data = json.loads((tmp_path / "percentiles.json").read_text())
    observed = [response_time for response_time, _ in data["observed"]]
    served = [served_ms for _, served_ms in data["observed"]]
    assert len(observed) > 300
    for p in PERCENTILES:
        reported = data["reported"][str(p)]
        # The histogram against the response times horde itself measured: within 1%.
        assert reported == pytest.approx(exact(observed, p), rel=0.01), p
        # Against the time the target took to serve those requests: within 1% + 1 ms.
        truth = exact(served, p)
        assert abs(reported - truth) <= 0.01 * truth + 1, (p, reported, truth)
    assert data["reported"]["0.99"] <= max(observed)
