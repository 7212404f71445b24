"""A master and workers in one loop: dispatch, merged statistics, stop, quit, failures."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from argparse import Namespace
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace

import msgpack
import pytest
import zmq
import zmq.asyncio

from horde import User, __version__, constant, tag, task
from horde.cli._distributed import wait_for_workers
from horde.cli._headless import GeneratorMonitors
from horde.distributed import MasterRunner, WorkerNode, WorkerRunner, _master, _worker
from horde.distributed._placement import even_shares
from horde.distributed._protocol import loop_figures_of
from horde.distributed._transport import WorkerSocket
from horde.engine import STATE_MISSING, STATE_RUNNING, STATE_STOPPED, ArrivalRate, Environment
from horde.runtime import BLOCKING_ADVICE, CpuMonitor, LoopFigures, LoopLagMonitor, run


class Caller(User):
    """Records a request through its client's hook, as a custom client would."""

    weight = 3
    wait_time = constant(0.01)

    def __init__(self, environment):
        super().__init__(environment)
        self.client = SimpleNamespace(request_event=environment.events.request)

    @task
    def call(self):
        self.client.request_event.fire(
            request_type="GET",
            name="/call",
            response_time=5.0,
            response_length=10,
            exception=None,
            context={},
        )


class Failer(User):
    wait_time = constant(0.05)

    @task
    def fail(self):
        raise ValueError("broken task")


@pytest.fixture(autouse=True)
def _fast_protocol(monkeypatch):
    """Heartbeats and reports ten times a second, so the tests take a fraction of a second."""
    monkeypatch.setattr(_master, "HEARTBEAT_INTERVAL", 0.05)
    monkeypatch.setattr(_worker, "HEARTBEAT_INTERVAL", 0.05)
    monkeypatch.setattr(_worker, "WORKER_REPORT_INTERVAL", 0.05)


def _new_master() -> MasterRunner:
    environment = Environment(user_classes=[Caller, Failer])
    runner: MasterRunner = environment.create_master_runner("127.0.0.1", 0)
    return runner


def _new_worker(port: int) -> WorkerRunner:
    environment = Environment(user_classes=[Caller, Failer])
    runner: WorkerRunner = environment.create_worker_runner("127.0.0.1", port)
    return runner


@contextlib.asynccontextmanager
async def _cluster(master: MasterRunner, workers: int = 1) -> AsyncIterator[list[WorkerRunner]]:
    """``workers`` workers connected to ``master``; the master quits them at the end."""
    master.serve()
    nodes = [_new_worker(master.port) for _ in range(workers)]
    for node in nodes:
        await node.connect()
    assert await master.wait_for_workers(workers, 5.0)
    yield nodes
    await master.quit_async()
    for node in nodes:
        await node.quit_async()  # at once for those the master's quit reached


async def _join(master: MasterRunner) -> WorkerRunner:
    worker = _new_worker(master.port)
    await worker.connect()
    return worker


def _silence(worker: WorkerRunner) -> None:
    """Stop the worker talking, as a killed process would."""
    for job in (worker._receiver, *worker._serving):
        job.cancel()


async def _until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_users_are_placed_on_workers_and_their_statistics_merge_on_the_master():
    master = _new_master()
    environment = master.environment
    spawned: list[int] = []
    environment.events.spawning_complete.add_listener(lambda user_count: spawned.append(user_count))

    async def main():
        async with _cluster(master, 2) as workers:
            master.start(8, spawn_rate=100)
            await _until(lambda: spawned == [8])
            per_worker = sorted(w.user_count for w in workers)
            await _until(lambda: environment.stats.get("/call", "GET").num_requests >= 50)
        return per_worker, workers

    per_worker, workers = run(main())
    assert per_worker == [4, 4]
    assert master.user_classes_count == {"Caller": 0, "Failer": 0}  # every worker has quit
    assert master.final_user_count == 8
    assert master.state == STATE_STOPPED
    # The master's figures are the sum of the workers' final figures: nothing is lost at quit.
    entry = environment.stats.get("/call", "GET")
    assert entry.num_requests == environment.stats.total.num_requests
    assert entry.total_content_length == 10 * entry.num_requests
    assert entry.get_response_time_percentile(0.5) == pytest.approx(5.0, rel=0.01)
    # Task exceptions travel to the master, grouped, with the worker as node.
    [record] = master.exceptions.values()
    assert record["msg"] == "broken task"
    assert record["nodes"] <= {w.client_id for w in workers}
    assert all(w.user_count == 0 for w in workers)


def test_a_worker_knows_its_share_of_the_users_when_test_start_fires():
    master = _new_master()
    seen = []

    def on_test_start(environment, **kwargs):
        runner = environment.runner
        if isinstance(runner, WorkerRunner):
            seen.append((runner.target_user_count, runner.target_user_classes_count))

    async def main():
        async with _cluster(master) as [worker]:
            worker.environment.events.test_start.add_listener(on_test_start)
            master.start(8, spawn_rate=100)
            await _until(lambda: worker.user_count == 8)

    run(main())
    assert seen == [(8, {"Caller": 6, "Failer": 2})]


@pytest.mark.parametrize(("silent_s", "linger"), [(0.0, 2.0), (10.0, 0)])
def test_a_quitting_worker_waits_for_its_last_messages_only_to_a_master_it_hears(
    monkeypatch, silent_s, linger
):
    """To a master killed a while ago, the last report and ``quit`` would never go out:
    the worker does not wait for them (it waited 2 s, and the loop with it)."""
    lingers = []
    close = WorkerSocket.close_after_sending

    async def recorded(self, seconds):
        lingers.append(seconds)
        await close(self, seconds)

    monkeypatch.setattr(WorkerSocket, "close_after_sending", recorded)
    master = _new_master()

    async def main():
        async with _cluster(master) as [worker]:
            worker._last_master_heartbeat -= silent_s
            await worker.quit_async()

    run(main())
    assert lingers == [linger]


def test_a_stop_leaves_the_workers_connected_and_ready_for_the_next_test():
    master = _new_master()

    async def main():
        async with _cluster(master) as [worker]:
            master.start(3, spawn_rate=100)
            await _until(lambda: master.user_count == 3)
            await master.stop_async()
            stopped = (master.user_count, worker.user_count, master.worker_count)
            master.start(2, spawn_rate=100)
            await _until(lambda: worker.user_count == 2)
        return stopped

    assert run(main()) == (0, 0, 1)


def test_a_worker_joining_a_running_test_gets_its_share():
    master = _new_master()

    async def main():
        async with _cluster(master) as [first]:
            master.start(10, spawn_rate=100)
            await _until(lambda: first.user_count == 10)
            second = await _join(master)
            await _until(lambda: first.user_count == 5 and second.user_count == 5)
        await second.wait_until_quit()

    run(main())


def test_a_silent_worker_goes_missing_and_its_users_move_to_the_others(caplog):
    master = _new_master()

    async def main():
        async with _cluster(master, 2) as [healthy, doomed]:
            master.start(6, spawn_rate=100)
            await _until(lambda: healthy.user_count == 3 and doomed.user_count == 3)
            _silence(doomed)
            await _until(lambda: healthy.user_count == 6)
            return master.worker_count, doomed.client_id

    with caplog.at_level(logging.INFO):
        count, lost = run(main())
    assert count == 1
    assert "failed to send heartbeat, setting state to missing" in caplog.text
    # What it did since its last report is lost: said, and kept for the caution.
    assert "its requests since its last report are not counted unless it comes back" in (
        caplog.text
    )
    assert master.lost_workers == [lost]


def test_custom_messages_go_both_ways():
    master = _new_master()
    got: list[tuple[str, object]] = []

    async def main():
        master.register_message("pong", lambda environment, msg: got.append(("master", msg.data)))
        async with _cluster(master) as [worker]:
            worker.register_message(
                "ping", lambda environment, msg: got.append(("worker", msg.data))
            )
            master.send_message("ping", {"n": 1})
            worker.send_message("pong", [2])
            await _until(lambda: len(got) == 2)

    run(main())
    assert sorted(got, key=str) == [("master", [2]), ("worker", {"n": 1})]


def test_a_worker_without_a_master_gives_up_with_a_clear_error():
    worker = _new_worker(1)  # nothing listens on port 1
    worker.connect_timeout = 0.05
    worker.connect_retry_count = 2

    async def main():
        with pytest.raises(ConnectionError, match=r"no answer from a master at 127\.0\.0\.1:1 "):
            await worker.connect()

    run(main())


def test_the_master_refuses_to_start_without_workers(caplog):
    master = _new_master()

    async def main():
        master.serve()
        master.start(5, spawn_rate=1)
        await master.quit_async()

    with caplog.at_level(logging.WARNING):
        run(main())
    assert "before at least one worker process has connected" in caplog.text


def test_a_saturated_worker_is_known_to_the_master_and_cautioned_about(caplog):
    master = _new_master()

    async def main():
        async with _cluster(master, 2) as [busy, _]:
            busy.current_cpu_usage = 97.0
            busy.memory_peak = 9_000_000  # beyond any sample: the heartbeat carries it
            await _until(lambda: master.worker_cpu.get(busy.client_id, CpuMonitor()).saturated)
        return busy.client_id

    with caplog.at_level(logging.WARNING):
        busy_id = run(main())
    assert f"Worker {busy_id} (index 0) exceeded cpu threshold" in caplog.text
    monitors = GeneratorMonitors(workers=master.worker_cpu)
    caution = monitors.caution()
    assert caution is not None
    assert caution.startswith("Caution: the generator itself was saturated. 1 of 2 workers")
    document = monitors.to_dict()
    # The top level speaks for the whole generator: its busiest process, not the master.
    assert document["saturated"] is True
    assert document["cpu_peak_percent"] == 97.0
    assert document["memory_peak_bytes"] == 9_000_000
    workers = {w["id"]: w for w in document["workers"]}
    assert workers[busy_id]["cpu_peak_percent"] == 97.0
    assert workers[busy_id]["memory_peak_bytes"] == 9_000_000
    assert workers[busy_id]["saturated"]
    assert not GeneratorMonitors(workers={}).caution()
    blocked = {busy_id: LoopFigures(stalls=3, max_lag_ms=900.0, blocked_s=2.0)}
    both = GeneratorMonitors(workers=master.worker_cpu, worker_lag=blocked).caution()
    assert both is not None
    assert both.startswith(caution)
    assert "Also, the event loop of 1 of 2 workers was blocked" in both
    assert "for at least 2.0 s in all (the longest stall 900 ms): its users waited" in both
    two = {"a": LoopFigures(blocked_s=1.5), "b": LoopFigures(blocked_s=3.0, max_lag_ms=10.0)}
    many = GeneratorMonitors(worker_lag={**two, "c": LoopFigures()}).caution()
    assert many is not None
    assert many.startswith(
        "Caution: the event loops of 2 of 3 workers were blocked for up to 3.0 s each"
    )
    assert "their users waited" in many
    assert "The loop-lag warnings name what held them: a blocking call" in many
    # The master's own loop holds no user: its stall delays reports, not requests.
    master_blocked = GeneratorMonitors(worker_lag={busy_id: LoopFigures()})
    master_blocked.lag.blocked, master_blocked.lag.max_lag = 1.5, 1.2
    assert master_blocked.caution() == (
        "Caution: the master's event loop was blocked for at least 1.5 s in all (the longest "
        "stall 1,200 ms): the workers' reports waited meanwhile. The loop-lag warnings name "
        "what held it: a blocking call, or more work than one core can do. "
        f"{BLOCKING_ADVICE}"
    )
    # User code holding a worker's loop most of the time is named, with its share.
    query = "user class Slow at slow.py:9 in query"
    held = LoopFigures(held_s=9.0, watched_s=10.0, held_by=query)
    one_held = GeneratorMonitors(worker_lag={"a": held, "b": LoopFigures()}).caution()
    assert one_held == (
        "Caution: user code held the event loop of 1 of 2 workers for 90% of the time "
        f"(9.0 s), most often {query}: its users waited behind it, so their requests started "
        f"late, and HTTPS response times include that wait. {BLOCKING_ADVICE}"
    )
    lightly = LoopFigures(held_s=2.0, watched_s=10.0, held_by=query)  # 20%: no caution
    both_held = {"a": held, "b": LoopFigures(held_s=6.0, watched_s=10.0, held_by=query)}
    assert GeneratorMonitors(worker_lag={"a": lightly}).caution() is None
    caution = GeneratorMonitors(worker_lag=both_held).caution()
    assert caution is not None
    assert "the event loops of 2 of 2 workers for up to 90% of the time each" in caution
    assert "their users waited behind it" in caution
    # The top level gives the worst process's seconds (a sum could exceed the run's
    # length), with the code of the most held, and every process's stalls.
    cpus = {"a": CpuMonitor(), "b": CpuMonitor()}
    stalled = LoopFigures(stalls=2, blocked_s=1.5, held_s=2.0, watched_s=10.0, held_by=query)
    document = GeneratorMonitors(workers=cpus, worker_lag={"a": stalled, "b": held}).to_dict()
    assert document["loop_held_s"] == 9.0
    assert document["loop_held_by"] == query
    assert (document["loop_blocked_s"], document["loop_stalls"]) == (1.5, 2)
    document = GeneratorMonitors(workers=cpus, worker_lag={"a": lightly, "b": held}).to_dict()
    workers = {w["id"]: w for w in document["workers"]}
    assert (workers["a"]["loop_held_s"], workers["b"]["loop_held_by"]) == (2.0, query)


def test_an_arrival_rate_is_shared_among_workers_and_their_counts_add_up():
    master = _new_master()
    environment = master.environment

    async def main():
        async with _cluster(master, 2) as workers:
            master.start_arrivals(ArrivalRate(200.0, 200.0), max_concurrency=10)
            await _until(lambda: all(w.arrivals is not None for w in workers))
            shares = [
                (w.arrivals.rate, w.arrivals.counts.max_concurrency, w.arrivals.elapsed)
                for w in workers
            ]
            await asyncio.sleep(0.5)
        return shares, [w.arrivals.counts.scheduled for w in workers]

    shares, scheduled = run(main())
    # Each starts the schedule from its start: what the message took is no past to skip.
    assert shares == [(ArrivalRate(100.0, 100.0), 5, 0.0)] * 2
    counts = master.arrivals.counts
    assert counts.scheduled == sum(scheduled) > 50
    assert counts.started + counts.not_started == counts.scheduled
    assert counts.max_concurrency == 10
    # Every request's corrected latency reached the master, beside the measured one.
    requests = environment.stats.get("/call", "GET").num_requests
    assert requests > 0
    assert environment.stats.corrected[("/call", "GET")].count == requests
    assert environment.stats.corrected_total.count == requests


def test_a_locust_worker_speaking_the_raw_protocol_is_served():
    """What a Locust 2.47 worker sends, byte for byte: no horde code on the worker's side."""
    master = _new_master()
    environment = master.environment
    node = "otherhost_0123abcd"

    async def main():
        context = zmq.asyncio.Context()
        dealer = context.socket(zmq.DEALER)
        dealer.setsockopt(zmq.IDENTITY, node.encode())
        dealer.connect(f"tcp://127.0.0.1:{master.port}")

        async def send(kind, data):
            await dealer.send(msgpack.dumps((kind, data, node)))

        async def receive():
            return msgpack.loads(await dealer.recv(), raw=False, strict_map_key=False)

        master.serve()
        await send("client_ready", "2.47.0")
        assert await receive() == ["ack", {"index": 0}, node]
        master.start(4, spawn_rate=100)
        kind, spawn, _ = await receive()
        assert kind == "spawn"
        assert spawn["user_classes_count"] == {"Caller": 3, "Failer": 1}
        await send("spawning", None)
        await send("spawning_complete", {"user_classes_count": {"Caller": 3, "Failer": 1}})
        entry = {
            "name": "/locust",
            "method": "GET",
            "last_request_timestamp": 1000.5,
            "start_time": 999.0,
            "num_requests": 3,
            "num_none_requests": 0,
            "num_failures": 1,
            "total_response_time": 60.0,
            "max_response_time": 30.0,
            "min_response_time": 10.0,
            "total_content_length": 300,
            "response_times": {10: 1, 20: 1, 30: 1},
            "num_reqs_per_sec": {1000: 3},
            "num_fail_per_sec": {1000: 1},
        }
        error = {"method": "GET", "name": "/locust", "error": "boom", "occurrences": 1}
        report = {
            "stats": [entry],
            "stats_total": {**entry, "name": "Aggregated", "method": ""},
            "errors": {"key1": error},
            "user_classes_count": {"Caller": 3, "Failer": 1},
            "user_count": 4,
        }
        await send("stats", report)
        await send(
            "heartbeat", {"state": "running", "current_cpu_usage": 12.5, "current_memory_usage": 1}
        )
        await send("logs", {"worker_id": node, "logs": ["a line"]})
        await _until(lambda: environment.stats.total.num_requests == 3)
        assert master.user_count == 4
        quitting = asyncio.ensure_future(master.quit_async())
        while (await receive())[0] != "quit":
            pass
        await send("quit", None)
        await quitting
        dealer.close(linger=0)
        context.term()

    run(main())
    merged = environment.stats.get("/locust", "GET")
    assert (merged.num_requests, merged.num_failures, merged.max_response_time) == (3, 1, 30.0)
    assert merged.get_response_time_percentile(0.5) == pytest.approx(20.0, rel=0.01)
    assert environment.stats.errors["key1"].occurrences == 1
    assert environment.worker_logs == {node: ["a line"]}
    assert master.worker_cpu[node].peak == 12.5


def test_the_masters_tags_and_locustfile_options_reach_the_workers():
    class Tagged(User):
        wait_time = constant(0.01)

        @tag("fast")
        @task
        def fast(self):
            pass

        @task
        def slow(self):
            pass

    master_options = Namespace(tags=["fast"], exclude_tags=None, custom="master's", stop_timeout=0)
    master_env = Environment(user_classes=[Tagged], parsed_options=master_options)
    master: MasterRunner = master_env.create_master_runner("127.0.0.1", 0)
    worker_options = Namespace(tags=None, exclude_tags=None, custom="worker's", stop_timeout=0)
    worker_env = Environment(user_classes=[Tagged], parsed_options=worker_options)
    worker: WorkerRunner = worker_env.create_worker_runner("127.0.0.1", master.port)
    worker.node_options = frozenset({"tags", "exclude_tags", "stop_timeout"})

    async def main():
        master.serve()
        await worker.connect()
        await master.wait_for_workers(1, 5.0)
        master.start(1, spawn_rate=10)
        await _until(lambda: worker.user_count == 1)
        await master.quit_async()
        await worker.wait_until_quit()

    run(main())
    assert worker_options.custom == "master's"  # a locustfile's option: the master's value
    assert worker_options.tags == ["fast"]
    assert [t.__name__ for t in Tagged.tasks] == ["fast"]


def test_a_master_told_to_quit_while_it_waits_for_workers_stops_waiting():
    master = _new_master()

    async def main():
        waiting = asyncio.ensure_future(wait_for_workers(master, 2, 0))
        await asyncio.sleep(0.1)
        master.quit()
        return await asyncio.wait_for(waiting, 5.0)

    assert run(main()) is False


def test_a_quitting_worker_takes_no_more_orders():
    master = _new_master()

    async def main():
        async with _cluster(master) as [worker]:
            worker.quit()
            await asyncio.sleep(0)  # its quit has begun
            master.start(3, spawn_rate=100)
            await worker.wait_until_quit()
        return worker.user_count, worker.state

    assert run(main()) == (0, STATE_STOPPED)


def test_a_shape_choosing_classes_on_a_master_keeps_the_users_it_has():
    master = _new_master()

    async def main():
        async with _cluster(master) as [worker]:
            master.start(6, spawn_rate=100)
            await _until(lambda: worker.user_count == 6)
            seen = []
            watching = asyncio.ensure_future(_watch(lambda: seen.append(worker.user_count)))
            master.start(8, spawn_rate=1, user_classes=[Caller])
            await _until(lambda: worker.user_classes_count == {"Caller": 8, "Failer": 0})
            watching.cancel()
        return min(seen)

    # Failers give way to Callers (a brief dip), with no collapse to a user or two.
    assert run(main()) >= 4


async def _watch(look: Callable[[], None]) -> None:
    while True:
        look()
        await asyncio.sleep(0.005)


def test_garbage_on_the_masters_port_is_refused_and_the_master_goes_on(caplog):
    master = _new_master()

    async def main():
        context = zmq.asyncio.Context()
        stranger = context.socket(zmq.DEALER)
        stranger.setsockopt(zmq.IDENTITY, b"stranger_1")
        stranger.connect(f"tcp://127.0.0.1:{master.port}")
        master.serve()
        await stranger.send_multipart([b"one", b"two", b"three"])
        await stranger.send(b"\xc1 not msgpack")
        await stranger.send(msgpack.dumps(("locustfile", {"version": "2.47.0"}, "stranger_1")))
        reply = msgpack.loads(await stranger.recv(), raw=False)
        async with _cluster(master):  # the master still serves
            pass
        stranger.close(linger=0)
        context.term()
        return reply

    with caplog.at_level(logging.ERROR):
        reply = run(main())
    assert reply[0] == "locustfile"
    assert "does not send locustfiles" in reply[1]["error"]
    assert caplog.text.count("Corrupt message from stranger_1") == 2


def test_a_locust_master_speaking_the_raw_protocol_drives_a_worker():
    """What a Locust 2.47 master sends, byte for byte: no horde code on the master's side."""
    worker = _new_worker(0)

    async def main():
        context = zmq.asyncio.Context()
        router = context.socket(zmq.ROUTER)
        worker.master_port = router.bind_to_random_port("tcp://127.0.0.1")

        async def send(kind, data):
            payload = msgpack.dumps((kind, data, worker.client_id))
            await router.send_multipart([worker.client_id.encode(), payload])

        async def receive(kind):
            while True:
                _, payload = await router.recv_multipart()
                message = msgpack.loads(payload, raw=False, strict_map_key=False)
                if message[0] == kind:
                    return message[1]

        connecting = asyncio.ensure_future(worker.connect())
        assert await receive("client_ready") == __version__
        await send("ack", {"index": 3})
        await connecting
        spawn = {
            "timestamp": 1_000_000.0,
            "user_classes_count": {"Caller": 2, "Failer": 1},
            "host": "http://127.0.0.1:9",
            "stop_timeout": 0.0,
            "parsed_options": {"tags": None, "exclude_tags": None},
        }
        await send("spawn", spawn)
        await receive("spawning")
        complete = await receive("spawning_complete")
        report = await receive("stats")
        await send("quit", None)
        reports = []
        while True:  # the final report comes just before the worker's quit
            _, payload = await router.recv_multipart()
            kind, data, _ = msgpack.loads(payload, raw=False, strict_map_key=False)
            if kind == "quit":
                break
            if kind == "stats":
                reports.append(data)
        final = reports[-1]
        await worker.wait_until_quit()
        router.close(linger=0)
        context.term()
        return complete, report, final

    complete, report, final = run(main())
    assert worker.worker_index == 3
    assert complete == {"user_classes_count": {"Caller": 2, "Failer": 1}, "user_count": 3}
    assert report["user_count"] == 3
    for key in ("stats", "stats_total", "errors", "user_classes_count"):
        assert key in report
    requests = sum(e["num_requests"] for r in (report, final) for e in r["stats"])
    assert requests > 0
    assert final["user_count"] == 0


def test_the_arrival_rate_is_shared_anew_when_workers_join_or_leave(caplog):
    master = _new_master()

    async def main():
        async with _cluster(master) as [first]:
            master.start_arrivals(ArrivalRate(100.0, 100.0), max_concurrency=10)
            await _until(lambda: first.arrivals is not None)
            await asyncio.sleep(0.3)
            second = await _join(master)
            await _until(lambda: second.arrivals is not None)
            await _until(lambda: first.arrivals.rate == ArrivalRate(50.0, 50.0))
            joined = (second.arrivals.rate, second.arrivals.elapsed > 0.2)
            _silence(second)  # it dies
            await _until(lambda: first.arrivals.rate == ArrivalRate(100.0, 100.0))
        await second.quit_async()
        return joined, first.arrivals.counts.max_concurrency, master.arrivals.counts.lost

    with caplog.at_level(logging.WARNING):
        joined, pool, lost = run(main())
    assert joined == (ArrivalRate(50.0, 50.0), True)
    assert pool == 10
    # What the lost worker had due until it was found missing is not silently dropped:
    # 50/s for at least the heartbeats it missed.
    assert lost >= 50 * _master.HEARTBEAT_LIVENESS * _master.HEARTBEAT_INTERVAL
    assert f"about {lost} iterations of its share went unscheduled" in caplog.text
    assert "the others take its share over" in caplog.text


def test_workers_missing_together_each_lose_their_own_share():
    master = _new_master()

    async def main():
        async with _cluster(master, 3) as [first, second, third]:
            master.start_arrivals(ArrivalRate(300.0, 300.0), max_concurrency=30)
            await _until(lambda: all(w.arrivals is not None for w in (first, second, third)))
            await asyncio.sleep(0.3)
            _silence(second)
            _silence(third)
            await _until(lambda: first.arrivals.rate == ArrivalRate(300.0, 300.0))
            arrivals = master.arrivals
            gone = (second.client_id, third.client_id)
            found = [(arrivals.fractions[w], arrivals.losses[w] > 0) for w in gone]
        await second.quit_async()
        await third.quit_async()
        return found

    # Both ran a third of the rate until they fell silent: neither is counted as a half
    # because the other was found missing first and the rate shared anew.
    assert run(main()) == [(1 / 3, True), (1 / 3, True)]


@pytest.mark.parametrize(
    ("total", "parts", "shares"),
    [(10, 2, [5, 5]), (3, 2, [2, 1]), (7, 3, [3, 2, 2]), (3, 4, [1, 1, 1, 1])],
)
def test_the_cap_on_users_is_split_without_growing(total, parts, shares):
    assert even_shares(total, parts) == shares


def test_a_cap_below_the_number_of_workers_is_named(caplog):
    master = _new_master()

    async def main():
        async with _cluster(master, 2) as workers:
            master.start_arrivals(ArrivalRate(20.0, 20.0), max_concurrency=1)
            await _until(lambda: all(w.arrivals is not None for w in workers))
            return [w.arrivals.counts.max_concurrency for w in workers]

    assert run(main()) == [1, 1]
    assert "--max-concurrency 1 is below the 2 workers" in caplog.text
    # The run's report gives the cap in effect, not "the one user allowed".
    assert master.arrivals.counts.max_concurrency == 2


def test_the_caution_quotes_the_worker_whose_figures_the_summary_gives():
    calm, hot = CpuMonitor(), CpuMonitor()
    for percent in (95.0, 95.0, 95.0, 96.0):
        calm.record(percent, memory=0)
    for percent in (95.0, 95.0, 95.0, 99.0):
        hot.record(percent, memory=0)
    # As long over the threshold as each other: the higher peak decides, both places.
    monitors = GeneratorMonitors(workers={"calm": calm, "hot": hot})
    assert monitors.to_dict()["cpu_peak_percent"] == 99.0
    caution = monitors.caution()
    assert caution is not None
    assert "peak 99%" in caution


def test_a_worker_s_reports_carry_its_loop_figures_so_the_last_one_is_not_lost():
    # A worker's last seconds fall after its last heartbeat: its final report has them.
    worker = _new_worker(1)
    worker.loop_lag = LoopLagMonitor()
    worker.loop_lag.stalls, worker.loop_lag.blocked, worker.loop_lag.held = 4, 2.5, 1.25
    worker.loop_lag.held_by["user class Slow at slow.py:9 in query"] += 3
    sent: list[tuple[str, dict]] = []

    async def capture(kind, data):
        sent.append((kind, data))

    worker._send = capture
    run(worker._report())
    ((kind, data),) = sent
    assert kind == "stats"
    figures = loop_figures_of(data)
    assert figures is not None
    assert figures.watched_s >= 0
    expected = LoopFigures(
        4, 0.0, 2.5, 1.25, figures.watched_s, "user class Slow at slow.py:9 in query"
    )
    assert figures == expected
    master = _new_master()
    master._on_stats(None, "w1", data)
    assert master.worker_lag["w1"] == figures
    # A Locust worker's report has none: nothing is made up.
    master._on_stats(None, "w2", {"stats": [], "errors": {}})
    assert "w2" not in master.worker_lag
    run(master.quit_async())


def test_workers_lost_during_the_test_are_named_in_the_caution():
    lost = "vm_1a2b"
    monitors = GeneratorMonitors(lost_workers=[lost])
    assert monitors.caution() == (
        f"Caution: worker {lost} went missing during the test and did not come back (no "
        "heartbeat: it died, or its event loop was blocked): the requests since its last "
        "report are not counted, so the totals fall short of what the target received."
    )
    assert monitors.to_dict()["lost_workers"] == [lost]
    two = GeneratorMonitors(lost_workers=["a", "b"]).caution()
    assert two is not None
    assert "2 workers (a, b) went missing" in two
    assert "their last reports are not counted" in two


def test_a_lost_worker_that_comes_back_is_no_longer_lost():
    # Its next report brings what it did while its loop was blocked.
    master = _new_master()
    node = WorkerNode("w1", 0, state=STATE_MISSING, heartbeat=-1)
    master.clients["w1"] = node
    master.lost_workers.append("w1")

    async def main():
        master._on_heartbeat(node, "w1", {"state": STATE_RUNNING})
        del master.clients["w1"]  # no worker behind it to wait for
        await master.quit_async()

    run(main())
    assert master.lost_workers == []
    assert node.state == STATE_RUNNING
