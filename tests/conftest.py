"""Shared fixtures: a clean event registry, the demo shop, and the real ``horde`` command
(run to its end, or started in the background)."""

from __future__ import annotations

import compileall
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.command import RUN_TIMEOUT_S, Result, clean_environment, run_horde

import horde as horde_package
from horde.demo import start_server_process
from horde.event import events


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile horde's modules once for the hundreds of ``horde`` processes the tests start.

    An editable install leaves compiling them to each process, which caches the result,
    unless ``PYTHONDONTWRITEBYTECODE`` is set (as on some CI machines): then every
    process compiled every module again, about 0.2 s a start. Cached bytecode is read
    whatever that variable says.
    """
    compileall.compile_dir(Path(horde_package.__file__).parent, quiet=1)


@pytest.fixture(autouse=True)
def _clean_shared_events():
    """Listeners a test adds to the shared ``horde.events`` never leak into the next test."""
    saved = {
        name: list(hook._handlers)
        for name, hook in vars(events).items()
        if hasattr(hook, "_handlers")
    }
    sink = events.request.sink
    errors = events.listener_errors
    yield
    for name, handlers in saved.items():
        getattr(events, name)._handlers[:] = handlers
    events.request.sink = sink
    events.listener_errors = errors


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory (the cwd) and home, and no LOCUST_/HORDE_ variables: no
    config source but those a test writes."""
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    for name in [n for n in os.environ if n.startswith(("LOCUST_", "HORDE_"))]:
        monkeypatch.delenv(name)
    return work


@pytest.fixture
def table_lines() -> Iterator[list[str]]:
    """Lines logged on the console-table logger during the test."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger("horde.stats_logger")
    handler = Collect()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture(scope="session")
def demo_shop() -> Iterator[str]:
    """The demo shop (healthy profile) on a free loopback port, for the whole session."""
    with start_server_process("healthy") as server:
        yield server.url


@pytest.fixture
def horde(tmp_path: Path):
    """Run the real ``horde`` command in ``tmp_path``; returns its exit code and output."""

    def run(
        *args: str, timeout: float = RUN_TIMEOUT_S, env: dict[str, str] | None = None
    ) -> Result:
        return run_horde(*args, cwd=tmp_path, timeout=timeout, env=env)

    return run


@pytest.fixture
def start_horde(tmp_path: Path):
    """Start the real ``horde`` command in the background, as :func:`horde` runs it (in
    ``cwd``, ``tmp_path`` by default; text streams); whatever is left is killed after."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, cwd: Path | None = None, **popen: Any) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "horde", *args],
            cwd=cwd or tmp_path,
            env=clean_environment(),
            text=True,
            **popen,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.communicate()


@pytest.fixture
def locustfile(tmp_path: Path):
    """Write a locustfile into ``tmp_path`` and return its path."""

    def write(text: str, name: str = "locustfile.py") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return write
