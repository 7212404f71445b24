"""The master: dispatches users to workers, merges their statistics, watches their health."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from argparse import Namespace
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from horde import __version__
from horde.distributed._codec import CorruptMessageError, decode
from horde.distributed._node import WorkerNode
from horde.distributed._placement import Placement, even_shares
from horde.distributed._protocol import (
    ARRIVALS_KEY,
    ARRIVALS_MESSAGE,
    HEARTBEAT_INTERVAL,
    HEARTBEAT_LIVENESS,
    MEMORY_PEAK_KEY,
    QUIT_REPORT_TIMEOUT,
    SPAWN_REPORT_TIMEOUT,
    loop_figures_of,
)
from horde.distributed._transport import MasterSocket
from horde.engine import (
    STATE_INIT,
    STATE_MISSING,
    STATE_RUNNING,
    STATE_SPAWNING,
    STATE_STOPPED,
    ArrivalCounts,
    ArrivalRate,
    LocalRunner,
    Message,
    SharedArrivals,
    ramp_batches,
)
from horde.runtime import CpuMonitor, LoopFigures
from horde.user import User

if TYPE_CHECKING:
    from horde.engine import Environment

__all__ = ["MasterRunner"]

logger = logging.getLogger("horde.runners")

# Options a master hands its workers in each spawn message: plain values only.
_PLAIN = (str, int, float, bool, type(None))
# How often the master checks, while stopping, whether the workers' users are gone.
_STOP_POLL_SECONDS = 0.1
# Beyond stop_timeout, how long the master waits for workers to stop their users.
_STOP_GRACE_SECONDS = 60.0


def _carriable(value: Any) -> bool:
    """Whether an option's value can travel in a spawn message (tags are lists)."""
    if isinstance(value, (list, tuple)):
        return all(isinstance(item, _PLAIN) for item in value)
    return isinstance(value, _PLAIN)


Handler = Callable[["WorkerNode | None", str, Any], Awaitable[None] | None]


class MasterRunner(LocalRunner):
    """Runs no users itself: it places them on workers, as Locust's master does.

    Args:
        environment: The run's environment; workers' reports are merged into its stats.
        master_bind_host: Interface to listen on (``*`` for all).
        master_bind_port: Port to listen on; 0 picks a free one (see :attr:`port`).

    Raises:
        PortBusyError: If the port is taken.
    """

    def __init__(self, environment: Environment, master_bind_host: str, master_bind_port: int):
        super().__init__(environment)
        self.master_bind_host = master_bind_host
        self._socket = MasterSocket(master_bind_host, master_bind_port)
        self.port = self._socket.port
        self.clients: dict[str, WorkerNode] = {}
        self._indexes: dict[str, int] = {}
        self.worker_cpu: dict[str, CpuMonitor] = {}
        """Each worker's CPU and memory, from its heartbeats (kept after it quits)."""
        self.worker_lag: dict[str, LoopFigures] = {}
        """Each horde worker's event-loop figures, from its heartbeats."""
        self.lost_workers: list[str] = []
        """Workers missing since the test ran: what they did after their last report is
        not in the statistics (one that comes back is taken off)."""
        self._placement: Placement | None = None
        self._sent: dict[str, dict[str, int]] = {}
        self._changed = asyncio.Event()
        self._serving: list[asyncio.Task[None]] = []
        self._handlers: dict[str, Handler] = {
            "client_ready": self._on_client_ready,
            "heartbeat": self._on_heartbeat,
            "stats": self._on_stats,
            "spawning": self._on_spawning,
            "spawning_complete": self._on_worker_spawning_complete,
            "client_stopped": self._on_client_stopped,
            "quit": self._on_quit,
            "exception": self._on_exception,
            "logs": self._on_logs,
            "locustfile": self._on_locustfile,
        }
        environment.events.worker_report.add_listener(self._merge_report)

    # -- what event handlers read ---------------------------------------------------

    @property
    def active_workers(self) -> list[WorkerNode]:
        """Workers that are connected and not missing."""
        return [n for n in list(self.clients.values()) if n.state != STATE_MISSING]

    @property
    def worker_count(self) -> int:  # type: ignore[override]
        """Connected workers, the missing ones not counted."""
        return len(self.active_workers)

    @property
    def user_count(self) -> int:
        """Users the workers last reported running."""
        return sum(node.user_count for node in self.active_workers)

    @property
    def user_classes_count(self) -> dict[str, int]:
        """Users per class name, over every worker."""
        counts = {cls.__name__: 0 for cls in self.user_classes}
        for node in self.active_workers:
            for name, count in node.user_classes_count.items():
                counts[name] = counts.get(name, 0) + count
        return counts

    # -- serving --------------------------------------------------------------------

    def serve(self) -> None:
        """Start listening to workers and checking their heartbeats (on the running loop)."""
        if not self._serving:
            self._serving = [self._spawn(self._receive_loop()), self._spawn(self._liveness_loop())]

    async def wait_for_workers(self, count: int, within: float | None) -> bool:
        """Wait until ``count`` workers are connected; False if ``within`` seconds passed first."""
        self.serve()
        return await self._wait_until(lambda: len(self.active_workers) >= count, within)

    async def _wait_until(self, done: Callable[[], bool], within: float | None) -> bool:
        """Wait until ``done()`` holds, checked as workers report; False after ``within`` s."""
        loop = asyncio.get_running_loop()
        deadline = None if within is None else loop.time() + within
        while not done():
            self._changed.clear()
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return done()
        return True

    async def _receive_loop(self) -> None:
        while True:
            node_id, payload = await self._socket.recv()
            try:
                message = decode(payload)
            except CorruptMessageError as exc:
                logger.error("Corrupt message from %s: %s", node_id, exc)
                if node_id in self.clients:
                    await self._send(node_id, "reconnect")
                continue
            try:
                await self._handle(node_id, message)
            except Exception:
                logger.exception("Error handling %r from worker %s", message.type, node_id)

    async def _handle(self, node_id: str, message: Message) -> None:
        node = self.clients.get(node_id)
        handler = self._handlers.get(message.type)
        if handler is not None:
            result = handler(node, node_id, message.data)
            if result is not None:
                await result
            return
        self._deliver(message)

    async def _send(self, node_id: str, message_type: str, data: Any = None) -> None:
        await self._socket.send(node_id, Message(message_type, data, node_id))

    async def _broadcast(self, message_type: str, data: Any = None) -> None:
        for node in list(self.clients.values()):
            await self._send(node.id, message_type, data)

    def send_message(self, msg_type: str, data: Any = None, client_id: str | None = None) -> None:
        """Send a custom message to one worker, or to every worker when ``client_id`` is None."""
        targets = [client_id] if client_id is not None else list(self.clients)
        for node_id in targets:
            self._spawn(self._send(node_id, msg_type, data))

    # -- messages from workers ---------------------------------------------------------

    def _on_client_ready(self, node: WorkerNode | None, node_id: str, data: Any) -> None:
        if not data:
            logger.error(
                "A worker (%s) running an old version connected: upgrade it to horde %s",
                node_id,
                __version__,
            )
            return
        if str(data) != "-1" and str(data)[:4] != __version__[:4]:
            logger.warning(
                "Worker %s runs version %s, the master %s: they may not work together",
                node_id,
                data,
                __version__,
            )
        index = self._indexes.setdefault(node_id, len(self._indexes))
        was_active = node is not None and node.state != STATE_MISSING
        self.clients[node_id] = WorkerNode(node_id, index)
        self._spawn(self._send(node_id, "ack", {"index": index}))
        logger.info(
            "%s (index %d) reported as ready. %d workers connected.",
            node_id,
            index,
            len(self.active_workers),
        )
        self.environment.events.worker_connect.fire(client_id=node_id)
        self._changed.set()
        if not was_active:
            self._rebalance()

    def _on_heartbeat(self, node: WorkerNode | None, node_id: str, data: Any) -> None:
        if node is None:
            logger.debug("Got heartbeat message from unknown worker %s", node_id)
            return
        data = data if isinstance(data, dict) else {}
        if node.state == STATE_MISSING:
            if node_id in self.lost_workers:  # its next report brings what it did meanwhile
                self.lost_workers.remove(node_id)
            node.state = str(data.get("state", STATE_INIT))
            logger.info(
                "Worker %s self-healed with heartbeat, setting state to %s.", node_id, node.state
            )
            self._changed.set()
            self._rebalance()
        else:
            node.state = str(data.get("state", node.state))
        node.heartbeat = HEARTBEAT_LIVENESS
        node.cpu_usage = float(data.get("current_cpu_usage", 0.0))
        node.memory_usage = int(data.get("current_memory_usage", 0))
        monitor = self.worker_cpu.setdefault(node_id, CpuMonitor())
        monitor.record(node.cpu_usage, node.memory_usage, int(data.get(MEMORY_PEAK_KEY, 0)))
        self._note_loop_figures(node_id, data)
        if node.cpu_usage > monitor.threshold and not node.cpu_warning_emitted:
            node.cpu_warning_emitted = True
            self.cpu_warning_emitted = True
            logger.warning(
                "Worker %s (index %d) exceeded cpu threshold (will only log this once per worker)",
                node_id,
                node.index,
            )
        self._spawn(self._send(node_id, "heartbeat"))
        self.environment.events.heartbeat_sent.fire(client_id=node_id, timestamp=time.time())

    def _on_stats(self, node: WorkerNode | None, node_id: str, data: Any) -> None:
        if not isinstance(data, dict):
            return
        self.environment.events.worker_report.fire(client_id=node_id, data=data)
        if node is not None and "user_classes_count" in data:
            node.user_classes_count = dict(data["user_classes_count"])
        counts = data.get(ARRIVALS_KEY)
        if isinstance(self.arrivals, SharedArrivals) and isinstance(counts, dict):
            self.arrivals.note(node_id, ArrivalCounts(**counts))
        self._note_loop_figures(node_id, data)

    def _note_loop_figures(self, node_id: str, data: dict[str, Any]) -> None:
        """Keep a worker's event-loop figures, from a heartbeat or a report."""
        figures = loop_figures_of(data)
        if figures is not None:
            self.worker_lag[node_id] = figures

    def _merge_report(self, client_id: str, data: dict[str, Any], **kwargs: Any) -> None:
        if client_id in self.clients:
            self.environment.stats.merge_worker_report(data)

    async def _on_spawning(self, node: WorkerNode | None, node_id: str, data: Any) -> None:
        if node is None:
            await self._unknown(node_id, "spawning")
            return
        node.state = STATE_SPAWNING

    async def _on_worker_spawning_complete(
        self, node: WorkerNode | None, node_id: str, data: Any
    ) -> None:
        if node is None:
            await self._unknown(node_id, "spawning_complete")
            return
        node.state = STATE_RUNNING
        if isinstance(data, dict):
            node.user_classes_count = dict(data.get("user_classes_count") or {})
        self._changed.set()

    async def _unknown(self, node_id: str, message_type: str) -> None:
        logger.warning(
            "Got %s message from unknown worker %s. Asking it to quit.", message_type, node_id
        )
        await self._send(node_id, "quit")

    def _on_client_stopped(self, node: WorkerNode | None, node_id: str, data: Any) -> None:
        if node is not None:
            node.user_classes_count = {}
            node.state = STATE_STOPPED
            self._changed.set()

    def _on_quit(self, node: WorkerNode | None, node_id: str, data: Any) -> None:
        if node is None:
            return
        del self.clients[node_id]
        logger.info(
            "Worker %r (index %d) quit. %d workers ready.",
            node_id,
            node.index,
            len(self.active_workers),
        )
        self._changed.set()
        self._worker_gone("quit")

    def _on_exception(self, node: WorkerNode | None, node_id: str, data: Any) -> None:
        if isinstance(data, dict):
            self.log_exception(node_id, str(data.get("msg", "")), str(data.get("traceback", "")))

    async def _on_locustfile(self, node: WorkerNode | None, node_id: str, data: Any) -> None:
        # A Locust worker started with -f - asks for the locustfile; horde does not send it.
        error = "this master does not send locustfiles: give the worker its own -f"
        await self._send(node_id, "locustfile", {"error": error})

    def _on_logs(self, node: WorkerNode | None, node_id: str, data: Any) -> None:
        # Locust's workers send their recent log lines every 10 s (for its web UI).
        if isinstance(data, dict) and isinstance(data.get("logs"), list):
            lines = self.environment.worker_logs.setdefault(str(data.get("worker_id")), [])
            lines.extend(str(line) for line in data["logs"])

    # -- liveness -----------------------------------------------------------------------

    async def _liveness_loop(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_INTERVAL)
            missing = []  # all marked before any share is given out again
            for node in list(self.clients.values()):
                node.heartbeat -= 1
                if node.heartbeat < 0 and node.state != STATE_MISSING:
                    running = self.state in (STATE_SPAWNING, STATE_RUNNING) and not self._quitting
                    if running and node.id not in self.lost_workers:
                        self.lost_workers.append(node.id)
                    logger.log(
                        logging.WARNING if running else logging.INFO,
                        "Worker %s failed to send heartbeat, setting state to missing%s",
                        node.id,
                        ": its requests since its last report are not counted unless it comes back."
                        if running
                        else ".",
                    )
                    node.state = STATE_MISSING
                    node.user_classes_count = {}
                    missing.append(node)
            for node in missing:
                self._changed.set()
                self._lose_share(node)
                self._worker_gone("went missing")

    def _lose_share(self, node: WorkerNode) -> None:
        """A worker went missing in an open-model run: count what its share left undone."""
        running = self.state == STATE_RUNNING and not self._quitting
        if not (isinstance(self.arrivals, SharedArrivals) and running):
            return
        lost = self.arrivals.lose(node.id)
        logger.warning(
            "Worker %s went missing in an open-model run: about %.0f iterations of its share "
            "went unscheduled from its last report until now, and are counted as lost%s.",
            node.id,
            lost,
            "; the others take its share over" if self.active_workers else "",
        )

    def _worker_gone(self, how: str) -> None:
        """A worker left: give its users to the others, or end the test if none is left."""
        if self._quitting or self.state not in (STATE_SPAWNING, STATE_RUNNING):
            return
        if not self.active_workers:
            logger.info("The last worker %s, stopping test.", how)
            self.quit()
            return
        self._rebalance()

    def _rebalance(self) -> None:
        """Spread the current target over the workers as they are now."""
        if isinstance(self.arrivals, SharedArrivals):
            if self.state == STATE_RUNNING and not self._quitting and self.active_workers:
                count = self.worker_count
                logger.info(
                    "Sharing the arrival rate among %d worker%s", count, "" if count == 1 else "s"
                )
                self._share_arrivals()
            return
        running = self.state in (STATE_SPAWNING, STATE_RUNNING) and not self._quitting
        if running and self._placement is not None:
            self.start(self.target_user_count, self.spawn_rate)

    # -- dispatching ----------------------------------------------------------------------

    def start(
        self,
        user_count: int,
        spawn_rate: float,
        wait: bool = False,
        user_classes: list[type[User]] | None = None,
    ) -> None:
        """Ramp to ``user_count`` users over the workers at ``spawn_rate`` users per second.

        Logs a warning and does nothing while no worker is connected.
        """
        if not self._ready_to_start():
            return
        super().start(user_count, spawn_rate, wait, user_classes)

    def _ready_to_start(self) -> bool:
        self.serve()
        if self.active_workers:
            return True
        logger.warning(
            "You can't start a distributed test before at least one worker process has connected"
        )
        return False

    def start_arrivals(
        self,
        rate: ArrivalRate,
        max_concurrency: int,
        duration: float | None = None,
        step_s: float | None = None,
        *,
        elapsed: float = 0.0,
        phase: float = 0.0,
    ) -> None:
        """Run the open model on the workers: each gets an equal share of the rate and of
        the user pool, shared anew whenever workers join or leave, and its own ``phase``
        (the whole schedule has none)."""
        if phase:
            raise ValueError("a master runs the whole schedule: it phases its workers itself")
        if not self._ready_to_start():
            return
        self._begin_test()
        began = time.time() - elapsed
        self.arrivals = SharedArrivals(rate, max_concurrency, duration, step_s, began)
        if self._quitting:
            return  # told to quit while test_start's listeners ran: nothing is shared
        self.state = STATE_RUNNING
        # Each worker starts the schedule when its share arrives: the few ms the message
        # took are no past for it to skip (nor to run twice).
        self._share_arrivals(elapsed)

    def _share_arrivals(self, elapsed: float | None = None) -> None:
        """Send each worker its share of the arrival rate, from the schedule's present
        (``elapsed`` into it; by default, the time since it began)."""
        arrivals = self.arrivals
        assert isinstance(arrivals, SharedArrivals)
        workers = self.active_workers
        share = arrivals.rate.share(1 / len(workers))
        caps = even_shares(arrivals.max_concurrency, len(workers))
        arrivals.cap_in_effect = sum(caps)
        if arrivals.max_concurrency < len(workers):
            logger.warning(
                "--max-concurrency %d is below the %d workers: each runs one iteration at "
                "a time, so up to %d run at once",
                arrivals.max_concurrency,
                len(workers),
                len(workers),
            )
        for index, (node, cap) in enumerate(zip(workers, caps, strict=True)):
            arrivals.share(node.id, len(workers))
            data = {
                "timestamp": time.time(),
                "start": share.start,
                "end": share.end,
                "phase": index / len(workers),  # the workers' iterations interleave
                "max_concurrency": cap,
                "duration": arrivals.duration,
                "step_s": arrivals.step_s,
                "elapsed": time.time() - arrivals.began if elapsed is None else elapsed,
                "host": self.environment.host or "",
            }
            self._spawn(self._send(node.id, ARRIVALS_MESSAGE, data))

    async def _ramp(self, target: int, spawn_rate: float) -> None:
        assert self._sequence is not None
        workers = [node.id for node in self.active_workers]
        if not workers:  # they left since the ramp was asked for
            return
        placement = self._placement
        if (
            placement is None
            or placement.sequence is not self._sequence
            or sorted(placement.workers) != sorted(workers)
        ):
            # New classes (a shape's) or new workers: the users placed so far stay placed.
            count = 0 if placement is None else placement.count
            placement = Placement(self._sequence, workers)
            placement.resize(count)
        self._placement = placement
        logger.info(  # Locust's words: log scrapers look for them
            "Sending spawn jobs of %d users at %.2f spawn rate to %d ready workers",
            target,
            spawn_rate,
            len(workers),
        )
        batches = list(ramp_batches(placement.count, target, spawn_rate)) or [(target, 0.0)]
        for count, pause in batches:
            placement.resize(count)
            await self._send_targets(placement, pause)
            if pause:
                await asyncio.sleep(pause)
        await self._wait_until(lambda: self.user_count == target, SPAWN_REPORT_TIMEOUT)
        counts = dict(sorted(self.user_classes_count.items()))
        if self.user_count == target:
            logger.info("All users spawned: %s (%d total users)", json.dumps(counts), target)
        else:
            logger.info(
                "Spawning is complete and report waittime is expired, but not all reports "
                "received from workers: %s (%d total users)",
                json.dumps(counts),
                self.user_count,
            )
        self.environment.events.spawning_complete.fire(user_count=target)
        await self._broadcast("spawning_complete", {"user_count": target})

    async def _send_targets(self, placement: Placement, spread: float) -> None:
        """Send each worker whose share changed its absolute counts per class."""
        options = {
            key: value
            for key, value in vars(self.environment.parsed_options or Namespace()).items()
            if _carriable(value)
        }
        for worker, counts in placement.targets().items():
            if self._sent.get(worker) == counts:
                continue
            await self._send(
                worker,
                "spawn",
                {
                    "timestamp": time.time(),
                    "user_classes_count": counts,
                    "host": self.environment.host or "",
                    "stop_timeout": self.environment.stop_timeout,
                    "parsed_options": options,
                    "spread_s": spread,
                },
            )
            self._sent[worker] = counts

    # -- stopping ------------------------------------------------------------------------

    async def _stop_all_users(self) -> None:
        self._placement = None
        self._sent.clear()
        if self._quitting:
            await self._quit_workers()
            return
        await self._broadcast("stop")
        within = self.environment.stop_timeout + _STOP_GRACE_SECONDS
        if not await self._wait_until(lambda: self.user_count == 0, within):
            logger.warning("Timeout waiting for all workers to stop")

    async def _quit_workers(self) -> None:
        """Tell every worker to quit, and wait for their final reports."""
        await self._broadcast("quit")
        within = self.environment.stop_timeout + QUIT_REPORT_TIMEOUT
        if not await self._wait_until(lambda: not self.active_workers, within):
            missing = ", ".join(node.id for node in self.active_workers)
            logger.warning("No final report from %d workers: %s", self.worker_count, missing)

    async def _wind_down(self) -> None:
        """The workers stop their users, send a final report and quit.

        As with Locust, a running test is not stopped first: the workers stop their users
        themselves when told to quit.
        """
        try:
            await self.stop_async()
            if self.active_workers:  # the test had stopped earlier: the workers are idle
                await self._quit_workers()
        finally:  # the sockets close even when stopping failed
            for task in self._serving:
                task.cancel()
            self._socket.close()
