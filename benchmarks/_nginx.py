"""A throwaway nginx on one core: the target every generator is measured against.

One process (no master), pinned to its own core, answering ``200 ok`` on every
path over keep-alive connections that never hit a request limit. Its
``stub_status`` page counts the requests it served, which gives all generators,
wrk included, the same ruler.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import resource
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from _proc import cpu_seconds

__all__ = ["Nginx", "NginxError", "running_nginx"]

STATUS_PATH = "/nginx_status"
_START_TIMEOUT_SECONDS = 10.0

_CONFIG = """\
daemon off;
master_process {master};
worker_processes {workers};
worker_rlimit_nofile {open_files};
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;

events {{
    worker_connections {connections};
}}

http {{
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;

    server {{
        listen 127.0.0.1:{port} backlog=4096{reuseport};
        location = {status_path} {{
            stub_status;
        }}
        location / {{
            default_type text/plain;
            return 200 "ok";
        }}
    }}
}}
"""


class NginxError(Exception):
    """nginx did not start or did not answer."""


class Nginx:
    """A running nginx: its address, its served-request count and its CPU time."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._status_requests = 0

    def requests_served(self) -> int:
        """Requests served so far, not counting this object's own status requests."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", STATUS_PATH)
            body = connection.getresponse().read().decode()
        finally:
            connection.close()
        self._status_requests += 1
        # Third line: "<accepts> <handled> <requests>"; the count includes this request.
        return int(body.splitlines()[2].split()[2]) - self._status_requests

    def cpu_seconds(self) -> float:
        """CPU time nginx has used so far."""
        return cpu_seconds(self.process.pid)


@contextlib.contextmanager
def running_nginx(nginx: str, taskset: str, core: int, connections: int = 4096) -> Iterator[Nginx]:
    """Run nginx pinned to ``core`` on a free loopback port, and stop it on exit.

    It holds ``connections`` keep-alive connections at once without closing any: nginx
    starts closing idle ones once fewer than a sixteenth of its ``worker_connections``
    are free, so each worker gets a tenth more than its share. Each connection takes a
    file descriptor; when one process may not open enough, several workers (all on
    ``core``) share the connections.

    Raises:
        NginxError: nginx exited or did not answer within a few seconds.
    """
    with tempfile.TemporaryDirectory(prefix="horde-bench-nginx-") as directory:
        port = _free_port()
        config = Path(directory) / "nginx.conf"
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        open_files = 65536 if hard == resource.RLIM_INFINITY else hard
        wanted = math.ceil(connections * 1.1) + 64
        workers = math.ceil(wanted / (open_files - 64))
        config.write_text(
            _CONFIG.format(
                directory=directory,
                port=port,
                status_path=STATUS_PATH,
                connections=math.ceil(wanted / workers),
                open_files=open_files,
                workers=workers,
                master="on" if workers > 1 else "off",
                reuseport=" reuseport" if workers > 1 else "",
            )
        )
        command = [taskset, "-c", str(core), nginx, "-p", directory, "-c", str(config)]
        # Its own process group: with several workers, stopping must reach them all.
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            server = Nginx(process, port)
            _wait_until_answering(server, Path(directory) / "error.log")
            yield server
        finally:
            _stop(process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_answering(server: Nginx, error_log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            stderr = server.process.stderr.read().decode() if server.process.stderr else ""
            log = error_log.read_text() if error_log.exists() else ""
            raise NginxError(f"nginx exited at start:\n{stderr}{log}")
        with contextlib.suppress(OSError):
            server.requests_served()
            return
        time.sleep(0.05)
    raise NginxError(f"nginx did not answer on port {server.port} within {_START_TIMEOUT_SECONDS}s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop nginx and its workers, which a master killed mid-shutdown would leave behind."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
