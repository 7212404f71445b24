"""HTTPS through a proxy: a ``CONNECT`` tunnel, then TLS with the target inside it."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.servers.connect_proxy import ConnectProxy, serve_connect_proxy
from tests.servers.harness import Recorder, run_sync
from tests.servers.http_target import TargetServer, serve_target, url_of
from tests.servers.tls import make_certificate, server_context

from horde.http import ConnectTimeout, HttpSession, ProxyError, Response, SSLError
from horde.runtime import sleep


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def target(certificate) -> Iterator[TargetServer]:
    with serve_target(server_context(*certificate)) as server:
        yield server


def _client_closed(proxy: ConnectProxy) -> bool:
    """Whether the proxy sees the client close within 2 s, from user code (the loop runs)."""
    for _ in range(40):
        if proxy.client_closed.is_set():
            return True
        sleep(0.05)
    return False


def test_a_tunnel_carries_tls_to_the_target(target, certificate):
    base = url_of(target, "https")
    with serve_connect_proxy("tunnel") as proxy:
        session = HttpSession(base, Recorder().hook, verify=str(certificate[0]))
        session.proxies = {"https": proxy.url}

        def task() -> list[str]:
            return [session.get("/ultra_fast").text for _ in range(3)]

        assert run_sync(task, session) == ["This is an ultra fast response"] * 3
    port = base.rsplit(":", 1)[1]
    # One tunnel, kept alive for the three requests.
    assert proxy.requests == [f"CONNECT 127.0.0.1:{port} HTTP/1.1"]


@pytest.mark.parametrize(
    ("mode", "error", "message"),
    [
        ("refuse", ProxyError, "tunnel failed with 407 Proxy Authentication Required"),
        ("silent", ConnectTimeout, "timed out"),
    ],
)
def test_a_failed_tunnel_is_a_failure_and_its_connection_is_closed(target, mode, error, message):
    base = url_of(target, "https")
    with serve_connect_proxy(mode) as proxy:
        recorder = Recorder()
        session = HttpSession(base, recorder.hook, verify=False, timeout=0.3)
        session.proxies = {"https": proxy.url}

        def task() -> bool:
            response = session.get("/ultra_fast")
            assert response.status_code == 0
            # Asked before the session closes: a failed tunnel must not wait for that.
            return _client_closed(proxy)

        assert run_sync(task, session) is True
    (exception,) = recorder.exceptions
    assert isinstance(exception, error)
    assert message in str(exception)


def test_a_tunnel_to_a_server_without_tls_is_an_ssl_error_and_is_closed():
    with serve_target() as plain, serve_connect_proxy("tunnel") as proxy:
        recorder = Recorder()
        session = HttpSession(url_of(plain, "https"), recorder.hook, verify=False, timeout=2)
        session.proxies = {"https": proxy.url}

        def task() -> tuple[Response, bool]:
            return session.get("/ultra_fast"), _client_closed(proxy)

        response, closed = run_sync(task, session)
    assert isinstance(response.error, SSLError)
    assert isinstance(recorder.exceptions[0], ssl.SSLError)
    assert closed


def test_a_tls_handshake_that_never_ends_times_out_and_is_closed():
    with serve_connect_proxy("silent") as mute, serve_connect_proxy("tunnel") as proxy:
        recorder = Recorder()
        session = HttpSession(mute.url.replace("http", "https"), recorder.hook, timeout=0.3)
        session.proxies = {"https": proxy.url}

        def task() -> tuple[Response, bool]:
            return session.get("/ultra_fast"), _client_closed(proxy)

        response, closed = run_sync(task, session)
    assert isinstance(response.error, ConnectTimeout)
    assert closed
