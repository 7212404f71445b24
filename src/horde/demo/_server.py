"""Serving the demo shop, in this process or in a child process.

:func:`serve` runs it here; :func:`start_server_process` in a child.

The child is ``python -m horde.demo`` started with :mod:`subprocess`: a fresh
interpreter shares nothing with the caller (no event loop, no greenlets, no
inherited locks), and its stderr, kept in a file, explains a failed start.
With port 0 the child binds a free port itself and reports it in its
"listening on" line, so there is no window in which another process can take
a port chosen in advance.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import weakref
from pathlib import Path
from types import TracebackType

import uvicorn

from horde.demo._config import DemoConfig, check_profile, config_arguments
from horde.demo._shop import create_app
from horde.exceptions import HordeError

__all__ = ["DemoServer", "DemoServerError", "serve", "start_server_process"]

_LISTENING = re.compile(r"listening on (http://\S+) \(profile ")
_POLL_INTERVAL_S = 0.05


class DemoServerError(HordeError):
    """The demo shop's process did not come up (the message carries its log)."""


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    profile: str = "healthy",
    config: DemoConfig | None = None,
    *,
    data_dir: Path | None = None,
) -> None:
    """Serve the demo shop until interrupted (SIGINT or SIGTERM), in this process.

    Prints ``listening on http://HOST:PORT (profile NAME)`` to stderr once the
    shop is ready to answer; with ``port=0`` it shows the port the system picked.

    Example:
        >>> serve(port=8080, profile="stall")  # doctest: +SKIP

    Args:
        host: The address to bind.
        port: The port to bind; 0 picks a free one.
        profile: One of ``PROFILES``.
        config: The knobs.
        data_dir: Where the database's temporary directory goes.

    Raises:
        ValueError: ``profile`` is not a profile.
        OSError: the address cannot be bound.
    """
    app = create_app(profile, config, data_dir=data_dir)
    config_for_uvicorn = uvicorn.Config(
        app,
        http="httptools" if _installed("httptools") else "auto",
        loop="uvloop" if _installed("uvloop") else "asyncio",
        lifespan="on",
        access_log=False,
        log_level="warning",
        backlog=4096,
        # Longer than any think time, so a user's connection is not closed
        # under it between two requests (uvicorn's default is 5 s).
        timeout_keep_alive=75,
        timeout_graceful_shutdown=2,
    )
    # uvicorn shuts down gracefully on SIGINT, then re-raises it: Ctrl-C is how
    # this function is meant to end, not an error worth a traceback.
    with _listen(host, port) as sock, contextlib.suppress(KeyboardInterrupt):
        ready_line = f"listening on {_url(host, sock.getsockname()[1])} (profile {profile})"
        _Server(ready_line, config_for_uvicorn).run(sockets=[sock])


class _Server(uvicorn.Server):
    """uvicorn's server, announcing itself once it is ready to answer."""

    def __init__(self, ready_line: str, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._ready_line = ready_line

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # Only now: the database is seeded, and uvicorn's own signal handlers are
        # installed. A SIGINT sent as soon as the line appears then shuts the
        # server down; before them, Python could raise KeyboardInterrupt inside
        # a callback that swallows it, and the server would never stop.
        await super().startup(sockets)
        if self.started:
            print(self._ready_line, file=sys.stderr, flush=True)


class DemoServer:
    """A demo shop running in a child process; stop it with :meth:`stop` or ``with``.

    Example:
        >>> with start_server_process("pool") as server:  # doctest: +SKIP
        ...     urllib.request.urlopen(server.url + "/health").read()
        b'{"status": "ok", "profile": "pool"}'

    Attributes:
        url: ``http://host:port``, without a trailing slash.
        host: The address it listens on.
        port: The port it listens on.
        profile: Its profile.
        process: The child process.
    """

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        host: str,
        port: int,
        profile: str,
        workdir: tempfile.TemporaryDirectory[str],
    ) -> None:
        self.process = process
        self.host = host
        self.port = port
        self.profile = profile
        self.url = _url(host, port)
        self._workdir = workdir
        # A server nobody stopped (a crashed test session) still dies with us.
        self._finalizer = weakref.finalize(self, _stop_process, process, 5.0)

    def log(self) -> str:
        """What the server wrote to stderr so far (empty once stopped)."""
        with contextlib.suppress(OSError):
            return _log_path(self._workdir).read_text(errors="replace")
        return ""

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the server gracefully (SIGTERM), killing it after ``timeout_s``. Idempotent."""
        if self._finalizer.detach() is not None:
            _stop_process(self.process, timeout_s)
        self._workdir.cleanup()

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<DemoServer {self.url} profile={self.profile} pid={self.process.pid}>"


def start_server_process(
    profile: str = "healthy",
    host: str = "127.0.0.1",
    port: int = 0,
    config: DemoConfig | None = None,
    *,
    startup_timeout_s: float = 20.0,
) -> DemoServer:
    """Start the demo shop in a child process and wait until ``/health`` answers.

    Example:
        >>> with start_server_process("cpu") as server:  # doctest: +SKIP
        ...     print(server.url)
        http://127.0.0.1:40123

    Args:
        profile: One of ``PROFILES``.
        host: The address to listen on.
        port: The port to listen on; 0 (the default) picks a free one.
        config: The knobs, passed to the child as command-line options.
        startup_timeout_s: How long to wait for the first healthy answer.

    Raises:
        ValueError: ``profile`` is not a profile.
        DemoServerError: the process exited, or did not answer in time; the
            message includes what it wrote to stderr.
    """
    check_profile(profile)
    workdir = tempfile.TemporaryDirectory(prefix="horde-demo-")
    command = [
        *(sys.executable, "-m", "horde.demo", "--host", host, "--port", str(port)),
        *("--profile", profile, "--data-dir", workdir.name, "--until-stdin-closes"),
        *config_arguments(config or DemoConfig()),
    ]
    with _log_path(workdir).open("wb") as log:
        # The child stops when its stdin ends: when this process closes the pipe's other
        # end, however it ends (killed outright included), and wherever it started it from.
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT
        )
    server_url = ""
    try:
        deadline = time.monotonic() + startup_timeout_s
        server_url = _wait_for_listening(process, workdir, deadline)
        _wait_for_health(process, server_url, deadline)
    except BaseException as error:
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdin is not None:
            process.stdin.close()
        log_text = _log_path(workdir).read_text(errors="replace").strip() or "(nothing)"
        workdir.cleanup()
        if not isinstance(error, DemoServerError):
            raise
        raise DemoServerError(f"{error}\ncommand: {' '.join(command)}\nlog:\n{log_text}") from None
    return DemoServer(process, host, int(server_url.rsplit(":", 1)[1]), profile, workdir)


def _stop_process(process: subprocess.Popen[bytes], timeout_s: float) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdin is not None:
        process.stdin.close()


def _wait_for_listening(
    process: subprocess.Popen[bytes], workdir: tempfile.TemporaryDirectory[str], deadline: float
) -> str:
    """Wait for the child's "listening on" line and return the URL in it."""
    while True:
        match = _LISTENING.search(_log_path(workdir).read_text(errors="replace"))
        if match:
            return match.group(1)
        _check_alive(process, deadline, "did not start listening")
        time.sleep(_POLL_INTERVAL_S)


def _wait_for_health(process: subprocess.Popen[bytes], url: str, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1.0) as response:
                if response.status == 200:
                    return
        except OSError:
            pass  # not accepting yet, or still seeding its database
        _check_alive(process, deadline, f"did not answer GET {url}/health")
        time.sleep(_POLL_INTERVAL_S)


def _check_alive(process: subprocess.Popen[bytes], deadline: float, waiting_for: str) -> None:
    if process.poll() is not None:
        raise DemoServerError(f"the demo shop exited with code {process.returncode} on startup")
    if time.monotonic() > deadline:
        raise DemoServerError(f"the demo shop {waiting_for} in time")


def _log_path(workdir: tempfile.TemporaryDirectory[str]) -> Path:
    return Path(workdir.name) / "server.log"


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv4 or IPv6, as ``host`` resolves)."""
    family, kind, protocol, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, protocol)
    try:
        if sys.platform != "win32":  # where it would let two servers share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(4096)
    except BaseException:
        sock.close()
        raise
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None
