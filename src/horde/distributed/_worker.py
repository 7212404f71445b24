"""A worker: runs the users the master gives it and reports its statistics every second."""

from __future__ import annotations

import asyncio
import logging
import math
import time
import traceback
from dataclasses import asdict
from types import TracebackType
from typing import TYPE_CHECKING, Any

from horde import __version__
from horde.distributed._codec import CorruptMessageError
from horde.distributed._protocol import (
    ARRIVALS_KEY,
    ARRIVALS_MESSAGE,
    CONNECT_RETRY_COUNT,
    CONNECT_TIMEOUT,
    HEARTBEAT_INTERVAL,
    MASTER_HEARTBEAT_TIMEOUT,
    MEMORY_PEAK_KEY,
    WORKER_REPORT_INTERVAL,
    loop_figures_data,
)
from horde.distributed._transport import WorkerSocket
from horde.engine import (
    STATE_INIT,
    STATE_RUNNING,
    STATE_SPAWNING,
    STATE_STOPPED,
    ArrivalExecutor,
    ArrivalRate,
    LocalRunner,
    Message,
    interleave,
)
from horde.runtime import call_sync

if TYPE_CHECKING:
    from horde.engine import Environment
    from horde.runtime import LoopLagMonitor

__all__ = ["WorkerRunner"]

logger = logging.getLogger("horde.runners")

# Options always taken from the master, as Locust's workers do.
_FROM_MASTER = frozenset({"tags", "exclude_tags", "expect_workers"})
# How long, at quit, the last messages may take to leave.
_QUIT_LINGER_SECONDS = 2.0
_MASTER_SILENT_SECONDS = 3 * HEARTBEAT_INTERVAL
"""A master not heard of for this long is taken to be gone when the worker quits."""
# Connection attempts logged at debug level before they are logged at info level.
_QUIET_ATTEMPTS = 6


def next_report_time(now: float, interval: float) -> float:
    """The first instant after ``now`` half-way between two multiples of ``interval``.

    Example:
        >>> next_report_time(100.2, 1.0), next_report_time(100.5, 1.0), next_report_time(100.7, 1.0)
        (100.5, 101.5, 101.5)
    """
    return (math.floor(now / interval - 0.5) + 1.5) * interval


class WorkerRunner(LocalRunner):
    """Runs the users a master places on it, as a Locust worker does.

    Args:
        environment: The run's environment.
        master_host: Where the master listens.
        master_port: The master's port.
    """

    connect_timeout = CONNECT_TIMEOUT
    connect_retry_count = CONNECT_RETRY_COUNT
    node_options: frozenset[str] = frozenset()
    """Options that stay this worker's own (its command line's); the master's values of
    the others (a locustfile's own options) replace the worker's at each test's start."""

    def __init__(self, environment: Environment, master_host: str, master_port: int) -> None:
        super().__init__(environment)
        self.master_host = master_host
        self.master_port = master_port
        self.worker_index = -1
        self._socket: WorkerSocket | None = None
        self._last_spawn = 0.0
        self._last_master_heartbeat = 0.0
        self._receiver: asyncio.Task[None] | None = None
        self._serving: list[asyncio.Task[None]] = []
        self._wanted: tuple[dict[str, int], float] | None = None
        self._target_classes: dict[str, int] = {}
        self.loop_lag: LoopLagMonitor | None = None
        """The monitor of this worker's event loop, whose figures its heartbeats carry."""
        self._handlers = {
            "spawn": self._on_spawn,
            "stop": self._on_stop,
            "quit": self._on_quit,
            "heartbeat": self._on_heartbeat,
            "spawning_complete": self._on_spawning_complete_message,
            "reconnect": self._on_reconnect,
            "ack": self._on_ack,
            ARRIVALS_MESSAGE: self._on_arrivals,
        }

    # -- connecting -----------------------------------------------------------------

    async def connect(self) -> None:
        """Say ready to the master and wait for its ``ack``, then serve it.

        Raises:
            ConnectionError: If the master did not answer after every retry.
        """
        self._socket = WorkerSocket(self.client_id, self.master_host, self.master_port)
        for attempt in range(1, self.connect_retry_count + 1):
            await self._send("client_ready", __version__)
            try:
                message = await asyncio.wait_for(self._socket.recv(), self.connect_timeout)
            except TimeoutError:
                level = logging.DEBUG if attempt <= _QUIET_ATTEMPTS else logging.INFO
                logger.log(
                    level,
                    "No answer from the master at %s:%d yet (attempt %d of %d)",
                    self.master_host,
                    self.master_port,
                    attempt,
                    self.connect_retry_count,
                )
                continue
            except CorruptMessageError:
                continue
            if message.type == "ack":
                self._on_ack(message.data)
                break
        else:
            self._socket.close()
            self._socket = None
            raise ConnectionError(
                f"no answer from a master at {self.master_host}:{self.master_port} after "
                f"{self.connect_retry_count} tries: is it running, and is the port right?"
            )
        loop = asyncio.get_running_loop()
        self._last_master_heartbeat = loop.time()
        self._receiver = self._spawn(self._receive_loop())
        self._serving = [self._spawn(self._heartbeat_loop()), self._spawn(self._report_loop())]

    def _on_ack(self, data: Any) -> None:
        if isinstance(data, dict):
            self.worker_index = int(data.get("index", -1))

    async def _send(self, message_type: str, data: Any = None) -> None:
        if self._socket is not None:
            await self._socket.send(Message(message_type, data, self.client_id))

    def send_message(self, msg_type: str, data: Any = None, client_id: str | None = None) -> None:
        """Send a custom message to the master."""
        self._spawn(self._send(msg_type, data))

    # -- messages from the master -----------------------------------------------------

    async def _receive_loop(self) -> None:
        assert self._socket is not None
        while True:
            try:
                message = await self._socket.recv()
            except CorruptMessageError as exc:
                logger.error("Corrupt message from the master: %s", exc)
                continue
            handler = self._handlers.get(message.type)
            try:
                if handler is None:
                    self._deliver(message)
                else:
                    # As synchronous user code: starting fires test_start, whose
                    # listeners may wait.
                    result = await call_sync(handler, message.data)
                    if result is not None:
                        await result
            except Exception:
                logger.exception("Error handling %r from the master", message.type)

    async def _on_spawn(self, data: Any) -> None:
        if self._quitting:
            return
        await self._send("spawning")
        if not isinstance(data, dict) or data.get("timestamp", 0) <= self._last_spawn:
            return
        self._last_spawn = data["timestamp"]
        environment = self.environment
        if data.get("host"):
            environment.host = data["host"]
        if data.get("stop_timeout") is not None:
            environment.stop_timeout = float(data["stop_timeout"])
        # The counts are absolute: the latest wins. A match under way is not cancelled
        # (users it told to stop would still count as alive); it picks the new one up.
        wanted = dict(data.get("user_classes_count") or {})
        self._target_classes = wanted  # test_start listeners see this worker's share
        self.target_user_count = sum(wanted.values())
        if self.state not in (STATE_SPAWNING, STATE_RUNNING):
            self._adopt_options(data.get("parsed_options"))
            await call_sync(self._begin_test)  # test_start listeners may wait
        self.state = STATE_SPAWNING
        self._wanted = (wanted, float(data.get("spread_s", 0)))
        if self._ramp_task is None or self._ramp_task.done():
            self._ramp_task = self._spawn(self._follow_targets())

    @property
    def target_user_classes_count(self) -> dict[str, int]:
        """This worker's share of the users per class name, as the master placed them."""
        return {cls.__name__: 0 for cls in self.user_classes} | self._target_classes

    def _adopt_options(self, options: Any) -> None:
        """Take the master's options that are not this worker's own, and its tags."""
        own = self.environment.parsed_options
        if own is None or not isinstance(options, dict):
            return
        for key, value in options.items():
            if key in _FROM_MASTER or key not in self.node_options:
                setattr(own, key, value)
        if options.get("tags") or options.get("exclude_tags"):
            self.environment._filter_tasks_by_tags()

    async def _follow_targets(self) -> None:
        while self._wanted is not None:
            wanted, spread = self._wanted
            self._wanted = None
            await self._match(wanted, spread)
        self.state = STATE_RUNNING
        await self._send(
            "spawning_complete",
            {"user_classes_count": self.user_classes_count, "user_count": self.user_count},
        )

    async def _match(self, wanted: dict[str, int], spread: float) -> None:
        """Stop or start users until each class has as many as ``wanted``."""
        classes = self.user_classes_by_name
        unknown = sorted(set(wanted) - set(classes))
        if unknown:
            logger.error("The master asked for unknown user classes: %s", ", ".join(unknown))
        have = self.user_classes_count
        surplus = {name: have.get(name, 0) - wanted.get(name, 0) for name in classes}
        doomed = []
        for user in reversed(list(self._users.values())):
            name = type(user).__name__
            if surplus.get(name, 0) > 0:
                surplus[name] -= 1
                doomed.append(user)
        if doomed:
            await self._stop_users(doomed[::-1])
        missing = {classes[name]: -n for name, n in surplus.items() if n < 0}
        if missing:
            await self._spread(interleave(missing), spread, last=True)

    def _on_arrivals(self, data: Any) -> None:
        if self._quitting:
            return
        rate = ArrivalRate(float(data["start"]), float(data["end"]))
        max_concurrency = int(data["max_concurrency"])
        phase = float(data.get("phase", 0.0))
        if isinstance(self.arrivals, ArrivalExecutor) and self.state == STATE_RUNNING:
            self.arrivals.reshare(rate, max_concurrency, phase)  # workers joined or left
            return
        if data.get("host"):
            self.environment.host = data["host"]
        self.start_arrivals(
            rate,
            max_concurrency,
            duration=data.get("duration"),
            step_s=data.get("step_s"),
            elapsed=float(data.get("elapsed", 0.0)),
            phase=phase,
        )

    async def _on_stop(self, data: Any) -> None:
        if self._quitting:
            return
        await self.stop_async()
        await self._send("client_stopped")
        self.state = STATE_INIT
        await self._send("client_ready", __version__)

    def _on_quit(self, data: Any) -> None:
        logger.info("Got quit message from master, shutting down...")
        self.quit()  # its own task: quitting cancels this receive loop

    def _on_heartbeat(self, data: Any) -> None:
        self._last_master_heartbeat = asyncio.get_running_loop().time()
        self.environment.events.heartbeat_received.fire(
            client_id=self.client_id, timestamp=time.time()
        )

    def _on_spawning_complete_message(self, data: Any) -> None:
        count = data.get("user_count", 0) if isinstance(data, dict) else 0
        self.environment.events.spawning_complete.fire(user_count=count)

    async def _on_reconnect(self, data: Any) -> None:
        # The master does not know this worker (it restarted, or lost a message): say
        # ready again. The socket itself reconnects by itself.
        logger.info("The master asked for a reconnection")
        self.state = STATE_INIT
        await self._send("client_ready", __version__)

    # -- reports ------------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            data: dict[str, Any] = {
                "state": self.state,
                "current_cpu_usage": self.current_cpu_usage,
                "current_memory_usage": self.current_memory_usage,
            }
            # horde's own keys, which a Locust master does not read:
            if self.memory_peak:
                data[MEMORY_PEAK_KEY] = self.memory_peak
            self._add_loop_figures(data)
            await self._send("heartbeat", data)
            if loop.time() - self._last_master_heartbeat > MASTER_HEARTBEAT_TIMEOUT:
                logger.error(
                    "Didn't get heartbeat from master in over %ds, quitting",
                    MASTER_HEARTBEAT_TIMEOUT,
                )
                self.quit()
                return
            await asyncio.sleep(HEARTBEAT_INTERVAL)

    async def _report_loop(self) -> None:
        # Reports leave half-way between whole intervals of the wall clock, and the master
        # closes its per-second samples on whole seconds: each sample then holds exactly
        # one report from each worker, as long as clocks agree within half a second.
        while True:
            now = time.time()
            await asyncio.sleep(next_report_time(now, WORKER_REPORT_INTERVAL) - now)
            await self._report()

    async def _report(self) -> None:
        data = self.environment.stats.report_to_master()
        self.environment.events.report_to_master.fire(client_id=self.client_id, data=data)
        data["user_classes_count"] = self.user_classes_count
        data["user_count"] = self.user_count
        if self.arrivals is not None:
            data[ARRIVALS_KEY] = asdict(self.arrivals.counts)
        # Reports carry them too: the last one, at the end, holds what no heartbeat did.
        self._add_loop_figures(data)
        await self._send("stats", data)

    def _add_loop_figures(self, data: dict[str, Any]) -> None:
        if self.loop_lag is not None:
            data.update(loop_figures_data(self.loop_lag.figures()))

    def _on_user_error(
        self, user_instance: Any, exception: BaseException, tb: TracebackType | None, **kwargs: Any
    ) -> None:
        super()._on_user_error(user_instance, exception, tb)
        self.send_message(
            "exception", {"msg": str(exception), "traceback": "".join(traceback.format_tb(tb))}
        )

    # -- quitting -----------------------------------------------------------------------

    async def _wind_down(self) -> None:
        """Stop the users, send the last report and ``quit``."""
        # Whether the last messages can go out, judged now: no heartbeat of the master's
        # is read once the receiver stops, and stopping the users may take a while.
        silent = asyncio.get_running_loop().time() - self._last_master_heartbeat
        linger = _QUIT_LINGER_SECONDS if silent < _MASTER_SILENT_SECONDS else 0.0
        if self._receiver is not None:
            self._receiver.cancel()  # no more orders; heartbeats go on while users stop
        try:
            await self.stop_async()
        finally:  # the master hears of the end even when stopping failed
            for task in self._serving:
                task.cancel()
            if self._socket is not None:
                await self._report()
                await self._send("quit")
                # The last messages may take a moment to go out; to a master not heard of
                # lately (killed, say) they never would.
                await self._socket.close_after_sending(linger)
                self._socket = None
            self.state = STATE_STOPPED
