"""The command line's distributed modes: ``--master``, ``--worker`` and ``--processes N``."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

from horde.cli._settings import Settings
from horde.distributed import MasterRunner
from horde.exceptions import ConfigError

__all__ = [
    "LocalWorkers",
    "WorkerProcess",
    "check_distributed",
    "exit_child",
    "fork_workers",
    "process_count",
    "wait_for_workers",
]

logger = logging.getLogger("horde.main")

# Bytes of the master's port as a local worker reads it from its pipe.
_PORT_WIDTH = 8
# At exit, how long the parent waits for its workers before interrupting them, and then
# before killing them.
_CHILD_EXIT_SECONDS = 3.0
_CHILD_INTERRUPT_SECONDS = 5.0
# prctl(2): the signal a process gets when its parent dies.
_PR_SET_PDEATHSIG = 1


#: More worker processes than this per core is refused: a typo, not a plan.
_MAX_PROCESSES_PER_CORE = 8


def check_distributed(settings: Settings) -> None:
    """Refuse combinations of the distributed options that cannot work (exit code as Locust)."""
    options = settings.options
    if options.master and options.worker:
        raise ConfigError("--master and --worker cannot be combined: pick one", -1)
    if options.processes is not None:
        if options.master:
            raise ConfigError(
                "--processes starts its own master: leave out --master (add --worker to fork "
                "workers for a master elsewhere)",
                1,
            )
        if options.processes < -1:
            raise ConfigError(
                f"--processes {options.processes}: give a number of worker processes, or -1 "
                "for one per core",
                1,
            )
        if not hasattr(os, "fork"):
            raise ConfigError("--processes needs fork(), which this platform lacks", 1)
        cores = _cores()
        if options.processes > _MAX_PROCESSES_PER_CORE * cores:
            raise ConfigError(
                f"--processes {options.processes}: at most {_MAX_PROCESSES_PER_CORE * cores} "
                f"here ({_MAX_PROCESSES_PER_CORE} per core, {cores} cores); a worker per core "
                "(-1) is the most that helps",
                1,
            )


def process_count(value: int) -> int:
    """``--processes``: -1 means one per core; more than the cores is warned about."""
    cores = _cores()
    if value == -1:
        return cores
    if value > cores:
        logger.warning(
            "--processes %d runs more workers than the %d cores this process may use: they "
            "compete for CPU, and the generator saturates sooner (-1 runs one per core)",
            value,
            cores,
        )
    return value


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass
class LocalWorkers:
    """Worker processes forked by this one (``--processes``), seen from the parent."""

    pids: list[int]
    _announce: int | None = None
    codes: dict[int, int] = field(default_factory=dict)

    def announce(self, port: int) -> None:
        """Tell the workers the port their master listens on."""
        if self._announce is None:
            return
        os.write(self._announce, f"{port:0{_PORT_WIDTH}d}".encode() * len(self.pids))
        os.close(self._announce)
        self._announce = None

    def _reap(self, deadline: float) -> None:
        while len(self.codes) < len(self.pids) and time.monotonic() < deadline:
            for pid in self.pids:
                if pid in self.codes:
                    continue
                try:
                    done, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:  # reaped already (an interrupt came in between)
                    self.codes[pid] = 0
                    continue
                if done:  # killed by signal N is -N: the shell's 128 + N, as an exit code
                    code = os.waitstatus_to_exitcode(status)
                    self.codes[pid] = code if code >= 0 else 128 - code
            time.sleep(0.05)

    def _signal(self, signum: int) -> None:
        for pid in self.pids:
            if pid not in self.codes:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signum)

    def stop(self) -> int:
        """Wait for the workers to end (interrupting, then killing, the slow ones).

        Returns:
            The highest exit code of the workers.
        """
        if self._announce is not None:  # the master never started: workers read EOF
            os.close(self._announce)
            self._announce = None
        self._reap(time.monotonic() + _CHILD_EXIT_SECONDS)
        if len(self.codes) < len(self.pids):
            self._signal(signal.SIGINT)
            self._reap(time.monotonic() + _CHILD_INTERRUPT_SECONDS)
        if len(self.codes) < len(self.pids):
            self._signal(signal.SIGKILL)
            self._reap(time.monotonic() + _CHILD_INTERRUPT_SECONDS)
        for pid, code in self.codes.items():
            if code > 1:
                logger.error("Worker process %d exited with code %d", pid, code)
        return max(self.codes.values(), default=0)

    def wait(self) -> int:
        """Wait for every worker (``--processes`` with ``--worker``): the highest exit code.

        A first interrupt asks the workers to quit with SIGTERM: a Ctrl-C in a terminal
        reached them too, a plain ``kill -INT`` of this process did not. A second one
        kills them. Interrupts are taken even when this process was started with them
        ignored (in the background of a script), as a headless run takes them.
        """
        interrupts = 0
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            while len(self.codes) < len(self.pids):
                try:
                    self._reap(time.monotonic() + 1.0)
                except KeyboardInterrupt:
                    interrupts += 1
                    self._signal(signal.SIGTERM if interrupts == 1 else signal.SIGKILL)
        finally:
            signal.signal(signal.SIGINT, previous)
        return max(self.codes.values(), default=0)


@dataclass(frozen=True)
class WorkerProcess:
    """This process is a worker forked by ``--processes``."""

    announced: int | None

    def master_port(self) -> int:
        """The master's port, once the parent has bound it.

        Raises:
            ConfigError: If the parent's master did not start.
        """
        if self.announced is None:
            raise ConfigError("no master port to read", 1)
        data = os.read(self.announced, _PORT_WIDTH)
        os.close(self.announced)
        if len(data) != _PORT_WIDTH:
            raise ConfigError("the master did not start; this worker stops too", 1)
        return int(data)


def fork_workers(count: int, *, announce_port: bool) -> LocalWorkers | WorkerProcess:
    """Fork ``count`` worker processes; in each child, return a :class:`WorkerProcess`.

    Args:
        count: How many workers.
        announce_port: The parent will tell the workers its master's port (it binds a free
            one after forking, so that no ZeroMQ thread exists when it forks).
    """
    read_end, write_end = os.pipe() if announce_port else (None, None)
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    pids = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            _end_with(parent)
            if write_end is not None:
                os.close(write_end)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            return WorkerProcess(read_end)
        pids.append(pid)
    if read_end is not None:
        os.close(read_end)
    return LocalWorkers(pids, write_end)


def _end_with(parent: int) -> None:
    """Have the kernel send this forked worker SIGTERM when ``parent`` dies (on Linux).

    A parent killed outright (SIGKILL, a crash) cannot stop its workers; without this
    they would go on loading the target, unrecorded, until the master's heartbeats had
    been missing for a minute.
    """
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return  # not Linux: the heartbeat timeout ends an orphaned worker
    prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


def exit_child(code: int) -> NoReturn:
    """End a forked worker without running the parent's clean-up code."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code & 0xFF)


async def wait_for_workers(runner: MasterRunner, expected: int, max_wait: float) -> bool:
    """Wait for ``expected`` workers, logging progress as Locust does.

    Returns:
        True once they are connected; False if the run was told to quit meanwhile.

    Raises:
        ConfigError: After ``max_wait`` seconds (when it is not 0) without enough workers.
    """
    quitting = asyncio.ensure_future(runner.wait_until_quit())
    try:
        return await _count_workers(runner, expected, max_wait, quitting)
    finally:
        quitting.cancel()


async def _count_workers(
    runner: MasterRunner, expected: int, max_wait: float, quitting: asyncio.Future[None]
) -> bool:
    loop = asyncio.get_running_loop()
    began = loop.time()
    while True:
        waiting = asyncio.ensure_future(runner.wait_for_workers(expected, 1.0))
        either: set[asyncio.Future[Any]] = {waiting, quitting}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if quitting.done():
            waiting.cancel()
            return False
        if waiting.result():
            return True
        waited = loop.time() - began
        level = logging.DEBUG if waited < 5 else logging.INFO
        logger.log(
            level,
            "Waiting for workers to be ready, %d of %d connected",
            runner.worker_count,
            expected,
        )
        if max_wait and waited >= max_wait:
            raise ConfigError(
                f"Gave up waiting for workers to connect: {runner.worker_count} of {expected} "
                f"after {max_wait:g} s (--expect-workers-max-wait)",
                1,
            )
