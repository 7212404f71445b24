"""The demo shop as a real server in a child process, driven with urllib."""

from __future__ import annotations

import csv
import http.client
import io
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.command import process_alive

from horde.demo import API_KEY, DemoServerError, start_server_process


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def fetch(url, method="GET", body=None, headers=None, timeout=5.0) -> Reply:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, headers or {}, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, dict(error.headers), error.read())


@pytest.fixture(scope="module")
def server():
    with start_server_process("healthy") as running:
        yield running


@pytest.fixture(scope="module")
def url(server):
    return server.url


@pytest.fixture
def auth(url):
    reply = fetch(
        f"{url}/api/auth/login", "POST", {"email": "user3@example.com", "password": "secret"}
    )
    assert reply.status == 200
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def test_it_listens_on_a_free_loopback_port(server):
    assert server.host == "127.0.0.1"
    assert server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert f"listening on {server.url} (profile healthy)" in server.log()
    assert fetch(f"{server.url}/health").json() == {"status": "ok", "profile": "healthy"}


def test_login(url):
    good = fetch(
        f"{url}/api/auth/login", "POST", {"email": "user1@example.com", "password": "secret"}
    )
    assert good.status == 200
    assert good.json()["token"]
    wrong = fetch(f"{url}/api/auth/login", "POST", {"email": "user1@example.com", "password": "x"})
    assert wrong.status == 401
    assert fetch(f"{url}/api/auth/login", "POST", {"email": "user1@example.com"}).status == 400


def test_products(url):
    page = fetch(f"{url}/api/products?page=2&limit=10").json()
    assert [item["id"] for item in page["items"]] == list(range(11, 21))
    assert fetch(f"{url}/api/products?limit=1000").status == 400
    assert fetch(f"{url}/api/products/1000").json()["id"] == 1000
    assert fetch(f"{url}/api/products/1001").status == 404
    assert fetch(f"{url}/api/products/x").status == 404


def test_cart_and_orders(url, auth):
    assert fetch(f"{url}/api/orders", "POST", {}, auth).status == 409
    added = fetch(f"{url}/api/cart/items", "POST", {"product_id": 10, "quantity": 2}, auth)
    assert added.status == 201
    assert added.json()["items"][0]["quantity"] == 2
    order = fetch(f"{url}/api/orders", "POST", {}, auth)
    assert order.status == 201
    assert order.json()["items"] == [
        {"product_id": 10, "quantity": 2, "price": added.json()["items"][0]["price"]}
    ]
    assert fetch(f"{url}/api/orders", "POST", {}, auth).status == 409


def test_cart_and_orders_errors(url, auth):
    item = {"product_id": 1, "quantity": 1}
    assert fetch(f"{url}/api/cart/items", "POST", item).status == 401
    assert fetch(f"{url}/api/orders", "POST", {}).status == 401
    bad = fetch(f"{url}/api/cart/items", "POST", {"product_id": 1, "quantity": -1}, auth)
    assert bad.status == 400
    missing = fetch(f"{url}/api/cart/items", "POST", {"product_id": 5000, "quantity": 1}, auth)
    assert missing.status == 404


def test_export(url):
    assert fetch(f"{url}/api/v1/data/export").status == 401
    assert fetch(f"{url}/api/v1/data/export", headers={"X-API-Key": "nope"}).status == 403
    key = {"X-API-Key": API_KEY}
    everything = fetch(f"{url}/api/v1/data/export?limit=1000", headers=key)
    assert everything.status == 200
    assert everything.json()["count"] == 1000
    assert len(everything.body) > 100_000
    as_csv = fetch(f"{url}/api/v1/data/export?format=csv&limit=5", headers=key)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(as_csv.body.decode())))) == 5


def test_admin(url):
    assert fetch(f"{url}/admin/dashboard").json()["orders"] > 0
    report = fetch(f"{url}/admin/reports/generate", "POST", {"type": "sales", "format": "csv"})
    assert report.status == 201
    assert report.json()["content"].startswith("day,orders,revenue")
    assert fetch(f"{url}/admin/reports/generate", "POST", {"type": "x"}).status == 400


def test_mobile_feed(url):
    feed = fetch(f"{url}/api/mobile/feed?since=2000-01-01")
    assert feed.status == 200
    assert len(feed.json()["items"]) == 20
    assert fetch(f"{url}/api/mobile/feed?since=soon").status == 400
    assert fetch(f"{url}/api/mobile/feed").status == 400


def test_unknown_path(url):
    reply = fetch(f"{url}/wp-admin")
    assert reply.status == 404
    assert reply.json() == {"error": "Not Found"}


def test_keep_alive_serves_many_requests_on_one_connection(server):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        for product_id in (1, 2, 3):
            connection.request("GET", f"/api/products/{product_id}")
            response = connection.getresponse()
            assert json.loads(response.read())["id"] == product_id
    finally:
        connection.close()


def test_sigterm_shuts_the_shop_down_gracefully():
    with start_server_process("pool") as server:
        workdir = Path(server._workdir.name)
        assert len(list(workdir.glob("horde-demo-*/shop.sqlite3"))) == 1
        server.process.terminate()
        # uvicorn re-raises the signal once it has shut down.
        assert server.process.wait(10) in (0, -signal.SIGTERM)
        # The shop deleted its own database on the way out.
        assert list(workdir.glob("horde-demo-*")) == []
        assert "Traceback" not in server.log()


def test_stop_ends_the_process_and_removes_its_files():
    server = start_server_process("pool")
    workdir = Path(server._workdir.name)
    assert "profile=pool" in repr(server)
    server.stop()
    assert server.process.returncode is not None
    assert not workdir.exists()
    assert server.log() == ""
    server.stop()  # again: nothing happens
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{server.url}/health", timeout=1)


def test_an_unknown_profile_starts_nothing():
    with pytest.raises(ValueError, match="healthy, cpu, pool, stall, slow-query"):
        start_server_process("fast")


def test_a_busy_port_is_a_clear_error():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(DemoServerError, match="exited with code") as raised:
            start_server_process(port=port, startup_timeout_s=10)
    assert "Address already in use" in str(raised.value)


def test_the_command_line_refuses_an_unknown_profile():
    completed = subprocess.run(
        [sys.executable, "-m", "horde.demo", "--profile", "gc"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 2
    assert "invalid choice: 'gc'" in completed.stderr
    assert "slow-query" in completed.stderr


def test_ctrl_c_stops_the_command_without_a_traceback():
    process = subprocess.Popen(
        [sys.executable, "-m", "horde.demo", "--port", "0", "--profile", "stall"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        first_line = process.stderr.readline()
        assert first_line.startswith("listening on http://127.0.0.1:")
        assert first_line.endswith(" (profile stall)\n")
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert "Traceback" not in rest


def test_a_server_nobody_stopped_dies_with_its_handle():
    server = start_server_process()
    process = server.process
    workdir = server._workdir
    del server  # no stop(): the handle's finalizer ends the process
    assert process.wait(10) is not None
    workdir.cleanup()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal")
def test_a_server_whose_starter_was_killed_outright_ends_too():
    # A test runner's hard timeout, or `kill -9` of `horde demo`: no finalizer runs.
    starter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from horde.demo import start_server_process; "
            "s = start_server_process(); print(s.process.pid, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert starter.stdout is not None
        pid = int(starter.stdout.readline())
        starter.kill()
        starter.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process_alive(pid):
            time.sleep(0.1)
        assert not process_alive(pid)
    finally:
        if starter.poll() is None:
            starter.kill()
        starter.communicate()


def test_a_server_started_from_a_thread_outlives_the_thread():
    # Only the starting process's end stops it, not the end of the thread that started it.
    started = []
    thread = threading.Thread(target=lambda: started.append(start_server_process()))
    thread.start()
    thread.join()
    with started[0] as server:
        time.sleep(0.5)
        assert server.process.poll() is None
        assert fetch(server.url + "/health").status == 200
