"""TLS: verification on by default, off on request, or against a given CA file; and HTTPS
through a proxy, in a ``CONNECT`` tunnel."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.servers.connect_proxy import ConnectProxy, serve_connect_proxy
from tests.servers.harness import Recorder, run_sync
from tests.servers.http_target import TargetServer, serve_target, url_of
from tests.servers.tls import make_certificate, server_context

from horde.http import ConnectTimeout, FastHttpSession, HttpSession, ProxyError, Response, SSLError
from horde.runtime import sleep


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def target(certificate) -> Iterator[TargetServer]:
    with serve_target(server_context(*certificate)) as server:
        yield server


@pytest.fixture
def base(target) -> str:
    return url_of(target, "https")


def test_verification_is_on_by_default(base):
    recorder = Recorder()
    session = HttpSession(base, recorder.hook)
    response = run_sync(lambda: session.get("/ultra_fast"), session)
    assert response.status_code == 0
    assert isinstance(response.error, SSLError)
    (exception,) = recorder.exceptions
    assert isinstance(exception, ssl.SSLCertVerificationError)
    assert "CERTIFICATE_VERIFY_FAILED" in repr(exception)


def test_verify_false(base, target):
    recorder = Recorder()
    session = HttpSession(base, recorder.hook)
    before = target.connections

    def task():
        return [session.get("/ultra_fast", verify=False).text for _ in range(3)]

    assert run_sync(task, session) == ["This is an ultra fast response"] * 3
    assert recorder.exceptions == [None] * 3
    assert target.connections - before == 1
    assert recorder.events[0]["url"] == f"{base}/ultra_fast"


def test_verify_with_a_ca_file(base, certificate):
    recorder = Recorder()
    session = HttpSession(base, recorder.hook, verify=str(certificate[0]))
    assert run_sync(lambda: session.get("/json").json()["name"], session) == "horde"
    session.verify = True
    response = run_sync(lambda: session.get("/json"), session)
    assert response.status_code == 0


def test_fast_session_is_insecure_by_default(base):
    recorder = Recorder()
    session = FastHttpSession(base, recorder.hook)
    assert run_sync(lambda: session.get("/ultra_fast").status_code, session) == 200
    secure = FastHttpSession(base, recorder.hook, insecure=False)
    assert run_sync(lambda: secure.get("/ultra_fast").status_code, secure) == 0


def test_fast_session_with_an_ssl_context_factory(base, certificate):
    def factory() -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(certificate[0]))

    session = FastHttpSession(base, Recorder().hook, ssl_context_factory=factory)
    assert run_sync(lambda: session.get("/ultra_fast").status_code, session) == 200


def test_an_https_redirect_chain(base):
    session = HttpSession(base, Recorder().hook, verify=False)
    response = run_sync(lambda: session.get("/redirect_chain?n=2"), session)
    assert response.status_code == 200
    assert len(response.history) == 2


@pytest.fixture(scope="module")
def mutual_target(certificate) -> Iterator[TargetServer]:
    context = server_context(*certificate)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(certificate[0])
    with serve_target(context) as server:
        yield server


def test_a_client_certificate(mutual_target, certificate):
    cert, key = (str(path) for path in certificate)
    recorder = Recorder()
    session = HttpSession(url_of(mutual_target, "https"), recorder.hook, verify=cert)

    def task():
        without = session.get("/ultra_fast")
        with_pair = session.get("/ultra_fast", cert=(cert, key))
        return without.status_code, with_pair.status_code

    assert run_sync(task, session) == (0, 200)
    assert recorder.exceptions[0] is not None
    assert recorder.exceptions[1] is None


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
