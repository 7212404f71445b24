"""The open model: the rate's grammar and schedule, and the executor on a real event loop."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import re
import time

import pytest

from horde import MarkovTaskSet, User, task, transition
from horde.engine import ArrivalCounts, ArrivalRate, Environment, SharedArrivals
from horde.engine._rate import Schedule, _plateau_count
from horde.exceptions import StopUser
from horde.report import open_model_report, percentiles_table
from horde.runtime import run
from horde.stats import RequestStats

# -- the rate --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("200/s", 200.0, 200.0),
        ("200", 200.0, 200.0),
        ("600/m", 10.0, 10.0),
        ("7200 / h", 2.0, 2.0),
        ("0.5/s", 0.5, 0.5),
        ("50/s..500/s", 50.0, 500.0),
        ("60/m..5", 1.0, 5.0),
        ("2e2/s", 200.0, 200.0),
        ("1.2E3/m..1e1", 20.0, 10.0),
    ],
)
def test_rates_parse_per_second_minute_or_hour(text, start, end):
    rate = ArrivalRate.parse(text)
    assert (rate.start, rate.end) == (start, end)
    assert rate.ramps is (start != end)


@pytest.mark.parametrize(
    "text", ["", "fast", "200/d", "0/s", "-5/s", "10/s..", "..10/s", "1..2..3", "e5/s", "1e/s"]
)
def test_bad_rates_say_how_to_write_one(text):
    with pytest.raises(ValueError, match="invalid arrival rate"):
        ArrivalRate.parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5/s", "'-5/s': it must be more than 0"),
        ("50/s..", "'50/s..': a ramp needs a rate on each side"),
        ("..50/s", "'..50/s': a ramp needs a rate on each side"),
        ("50/s..500/s..600/s", "'50/s..500/s..600/s': give one rate, or a ramp of two"),
        ("1...2", "'1...2': give one rate, or a ramp of two"),
        ("50/s..fast", "'50/s..fast': write iterations per second"),
        ("100000000000000000000/s", "at most 10,000,000/s"),
        ("1e9/s", "'1e9/s': at most 10,000,000/s"),
    ],
)
def test_rate_errors_quote_the_whole_value_and_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ArrivalRate.parse(text)


def test_a_ramp_climbs_linearly_over_the_run():
    rate = ArrivalRate(10.0, 110.0)
    assert [rate.at(t, 100.0) for t in (0, 50, 100, 150)] == [10.0, 60.0, 110.0, 110.0]


def test_a_stepped_ramp_holds_each_plateau():
    rate = ArrivalRate(10.0, 40.0)
    # Four plateaus of 25 s over 100 s: 10, 20, 30, 40 iterations/s.
    assert [rate.at(t, 100.0, step_s=25) for t in (0, 24.9, 25, 60, 99, 120)] == [
        10.0,
        10.0,
        20.0,
        30.0,
        40.0,
        40.0,
    ]


def test_a_constant_rate_ignores_the_duration():
    assert ArrivalRate(5.0, 5.0).at(1000.0, 10.0) == 5.0


def test_a_step_longer_than_two_thirds_of_the_run_still_reaches_the_end_rate():
    rate = ArrivalRate(10.0, 100.0)
    assert [rate.at(t, 8.0, step_s=6.0) for t in (0, 5.9, 6.0, 7.9)] == [10.0, 10.0, 100.0, 100.0]
    assert rate.at(5.0, 5.0, step_s=6.0) == 10.0  # a single step: the run never climbs
    # A run of two and a half steps has three plateaus, as one of three and a half has four.
    assert _plateau_count(50.0, 20.0) == 3
    assert _plateau_count(70.0, 20.0) == 4


@pytest.mark.parametrize(
    ("rate", "duration", "step_s", "due_by_end"),
    [
        (ArrivalRate(50.0, 50.0), 10.0, None, 500.0),
        (ArrivalRate(0.1, 100.0), 10.0, None, 500.5),  # from 6/m: the ramp's whole area
        (ArrivalRate(100.0, 10.0), 10.0, None, 550.0),  # a descending ramp
        (ArrivalRate(10.0, 40.0), 100.0, 25.0, 2500.0),  # plateaus 10, 20, 30, 40
    ],
)
def test_the_schedule_is_the_integral_of_the_rate_and_its_inverse(
    rate, duration, step_s, due_by_end
):
    schedule = Schedule(rate, duration, step_s)
    assert schedule.due_by(duration) == pytest.approx(due_by_end)
    times = [schedule.time_of(count) for count in range(math.ceil(due_by_end))]
    assert times[0] == 0.0
    assert all(later > earlier for earlier, later in itertools.pairwise(times))
    for count, at in zip(range(0, len(times), 37), times[::37], strict=True):
        assert schedule.due_by(at) == pytest.approx(count)
    # Each second gets what the rate says, even from a start rate of one every 10 s.
    for second in range(int(duration)):
        expected = schedule.due_by(second + 1) - schedule.due_by(second)
        released = sum(second <= at < second + 1 for at in times)
        assert abs(released - expected) <= 1
    # After the run, the end rate goes on.
    assert schedule.due_by(duration + 2) - schedule.due_by(duration) == pytest.approx(
        2 * rate.at(duration, duration, step_s)
    )


# -- the executor ----------------------------------------------------------------------


class _Client:
    """A client reporting through the environment's request hook, as HttpSession does."""

    def __init__(self, request_event):
        self.request_event = request_event

    async def call(self, name: str, seconds: float) -> None:
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        self.request_event.fire(
            request_type="CALL",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=None,
        )


def _worker(seconds: float, started: list[str] | None = None) -> type[User]:
    class Worker(User):
        def __init__(self, environment):
            super().__init__(environment)
            self.client = _Client(environment.events.request)

        def on_start(self):
            if started is not None:
                started.append("on_start")

        def on_stop(self):
            if started is not None:
                started.append("on_stop")

        @task
        async def work(self):
            await self.client.call("/work", seconds)

    return Worker


def _run_open(
    users,
    rate: str,
    max_concurrency: int,
    seconds: float,
    duration: float | None = None,
    *,
    elapsed: float = 0.0,
):
    """Run ``users`` (a user class, or an Environment) in the open model for ``seconds``."""
    environment = users if isinstance(users, Environment) else Environment(user_classes=[users])
    runner = environment.create_local_runner()

    async def main():
        parsed = ArrivalRate.parse(rate)
        runner.start_arrivals(parsed, max_concurrency, duration=duration, elapsed=elapsed)
        await asyncio.sleep(seconds)
        await runner.quit_async()

    run(main())
    assert runner.arrivals is not None
    return runner.arrivals.counts, environment.stats


@pytest.mark.slow
def test_iterations_start_on_schedule_and_are_all_accounted_for():
    counts, stats = _run_open(_worker(0.001), "200/s", 50, 1.0)
    # 200/s for 1 s: the first at once, then one every 5 ms.
    assert 195 <= counts.scheduled <= 202
    assert counts.started == counts.scheduled - counts.not_started
    assert counts.not_started <= 1
    assert stats.total.num_requests >= counts.started - 1
    # Quick tasks: a handful of the 50 allowed users serve the whole rate, hardly late
    # (a busy machine can delay a few iterations by some milliseconds).
    assert counts.users <= 10
    assert counts.late <= counts.scheduled // 10


@pytest.mark.slow
def test_busy_users_make_iterations_late_and_the_corrected_latency_shows_it():
    # 100/s of 50 ms tasks needs 5 users; with 2, iterations queue up and start late.
    counts, stats = _run_open(_worker(0.05), "100/s", 2, 1.0)
    assert counts.users == 2
    assert counts.peak_concurrency == 2
    assert counts.late > 20
    assert counts.not_started > 20  # two users finish ~40 of the 100 scheduled
    assert counts.started + counts.not_started == counts.scheduled
    measured = stats.total.histogram
    corrected = stats.corrected_total
    assert corrected.count == measured.count
    assert measured.percentile(0.5) == pytest.approx(50, abs=15)
    # Each iteration waited for the ones before it: the corrected latency keeps growing.
    assert corrected.percentile(0.5) > 4 * measured.percentile(0.5)
    assert corrected.max > 300
    assert ("/work", "CALL") in stats.corrected


@pytest.mark.slow
def test_each_user_of_the_pool_starts_and_stops_once():
    events: list[str] = []
    counts, _ = _run_open(_worker(0.02, events), "100/s", 3, 0.5)
    assert counts.users == 3
    assert events.count("on_start") == 3
    assert events.count("on_stop") == 3


def test_max_concurrency_must_be_positive():
    environment = Environment(user_classes=[_worker(0.0)])
    runner = environment.create_local_runner()
    with pytest.raises(ValueError, match="max concurrency must be 1 or more"):
        runner.start_arrivals(ArrivalRate(1.0, 1.0), 0)


@pytest.mark.slow
def test_iterations_go_to_the_classes_by_weight_and_a_fixed_count_counts_as_one():
    runs: list[str] = []

    def counted(name: str, **attributes) -> type[User]:
        async def work(self):
            runs.append(name)

        return type(name, (User,), {"tasks": [work], **attributes})

    environment = Environment(
        user_classes=[counted("Heavy", weight=3), counted("Light"), counted("Admin", fixed_count=2)]
    )
    _run_open(environment, "600/s", 20, 0.5)
    total = len(runs)
    assert total >= 250
    # Weights 3 : 1 : 2 (the fixed count as a weight), within a few iterations.
    assert abs(runs.count("Heavy") - total / 2) <= 3
    assert abs(runs.count("Light") - total / 6) <= 3
    assert abs(runs.count("Admin") - total / 3) <= 3


def test_a_failing_task_is_reported_like_in_the_task_loop_and_the_iterations_go_on():
    class Failing(User):
        @task
        async def fail(self):
            raise ValueError("broken")

    environment = Environment(user_classes=[Failing])
    errors = []
    environment.events.user_error.add_listener(
        lambda user_instance, exception, **kw: errors.append((user_instance, exception))
    )
    _run_open(environment, "100/s", 5, 0.2)
    assert len(errors) >= 10
    instance, exception = errors[0]
    assert isinstance(exception, ValueError)
    # As in Locust's task loop: the user's DefaultTaskSet, not the user itself.
    assert type(instance).__name__ == "DefaultTaskSet"
    assert len(environment.runner.exceptions) == 1  # grouped by traceback


def test_a_rate_shared_among_workers_keeps_its_shape():
    assert ArrivalRate.parse("50/s..500/s").share(0.5) == ArrivalRate(25.0, 250.0)


def test_shared_arrivals_add_up_the_workers_counts_and_keep_the_whole_schedule(monkeypatch):
    shared = SharedArrivals(ArrivalRate(20.0, 60.0), 100, duration=30.0, step_s=10.0, began=1000.0)
    shared.shares["a"] = ArrivalCounts(scheduled=50, started=48, late=3, max_late_s=0.2, users=4)
    shared.shares["b"] = ArrivalCounts(scheduled=50, started=50, late=1, max_late_s=0.5, users=5)
    counts = shared.counts
    assert (counts.scheduled, counts.started, counts.not_started) == (100, 98, 2)
    assert (counts.late, counts.max_late_s, counts.users) == (4, 0.5, 9)
    assert counts.max_concurrency == 100
    monkeypatch.setattr("time.time", lambda: 1015.0)  # into the second plateau
    assert [(p.rate, p.start, p.end) for p in shared.plateaus] == [
        (20.0, 1000.0, 1010.0),
        (40.0, 1010.0, None),
    ]
    monkeypatch.setattr("time.time", lambda: 2000.0)
    assert [p.rate for p in shared.plateaus] == [20.0, 40.0, 60.0]
    constant = SharedArrivals(ArrivalRate(20.0, 20.0), 100, None, None, began=1000.0)
    assert [(p.rate, p.start, p.end) for p in constant.plateaus] == [(20.0, 1000.0, None)]
    linear = SharedArrivals(ArrivalRate(20.0, 60.0), 100, 30.0, None, began=1000.0)
    assert linear.plateaus == []


def test_a_worker_that_went_missing_leaves_its_share_since_its_last_report_lost(
    monkeypatch,
):
    # 20/s, then 40/s from 10 s on, shared by two workers.
    shared = SharedArrivals(ArrivalRate(20.0, 40.0), 100, duration=20.0, step_s=10.0, began=1000.0)
    monkeypatch.setattr("time.time", lambda: 1000.0)
    for worker in ("a", "b", "c"):
        shared.share(worker, 2)  # c's share never reached it
    monkeypatch.setattr("time.time", lambda: 1006.0)
    shared.note("a", ArrivalCounts(scheduled=60, started=60))
    shared.note("b", ArrivalCounts(scheduled=60, started=60))
    monkeypatch.setattr("time.time", lambda: 1014.0)
    shared.share("b", 1)  # a went missing: b runs it all from now on
    # Due from 6 s to 14 s: 4 s at 20/s, then 4 s at 40/s; a's half of that.
    assert shared.lose("a") == (80 + 160) / 2
    # A worker that never reported lost everything since its share began.
    assert shared.lose("c") == (200 + 160) / 2
    counts = shared.counts
    assert (counts.scheduled, counts.lost) == (120, 300)
    assert counts.to_dict()["lost"] == 300
    # Nothing is due after the run's end.
    monkeypatch.setattr("time.time", lambda: 1100.0)
    assert shared.lose("c") == (200 + 400) / 2
    # A worker found missing that reports again after all has its iterations counted.
    shared.note("a", ArrivalCounts(scheduled=180, started=180))
    assert (shared.counts.scheduled, shared.counts.lost) == (240, 300)


def test_a_schedule_joined_late_goes_on_from_there_without_a_burst():
    environment = Environment(user_classes=[_worker(0.001)])
    runner = environment.create_local_runner()

    async def main():
        # 0/s..200/s over 10 s, joined 5 s in: about 100/s from the first moment.
        runner.start_arrivals(ArrivalRate(0.001, 200.0), 50, duration=10.0, elapsed=5.0)
        await asyncio.sleep(0.5)
        scheduled = runner.arrivals.counts.scheduled
        await runner.quit_async()
        return scheduled

    assert 35 <= run(main()) <= 65


@pytest.mark.slow
def test_a_run_of_known_length_schedules_exactly_its_share_of_the_rate():
    counts, _ = _run_open(_worker(0.001), "200/s", 50, 1.5, duration=1.0)
    # 200/s over 1 s: 200 iterations, none due at the very end that could never start.
    assert counts.scheduled == 200
    assert counts.not_started == 0
    assert counts.finished == counts.started == 200


@pytest.mark.slow
def test_users_that_leave_the_pool_are_replaced():
    class Leaving(User):
        done = 0

        @task
        async def work(self):
            type(self).done += 1
            if self.done % 3 == 0:
                raise StopUser

    counts, _ = _run_open(Leaving, "100/s", 2, 1.0)
    # Every third iteration ends its user: the pool takes new ones, up to the cap.
    assert counts.started >= 90
    assert counts.not_started <= 2
    assert counts.users >= counts.started // 3
    assert counts.finished == counts.started


@pytest.mark.slow
def test_requests_fired_by_any_client_are_corrected_for_lateness():
    class Custom(User):
        @task
        async def call(self):
            started = time.perf_counter()
            await asyncio.sleep(0.05)
            # A custom protocol reports on the environment's hook, Locust's documented way.
            self.environment.events.request.fire(
                request_type="grpc",
                name="op",
                response_time=(time.perf_counter() - started) * 1000,
                response_length=0,
                exception=None,
                context={},
            )

    counts, stats = _run_open(Custom, "100/s", 2, 1.0)
    assert counts.late > 20
    corrected = stats.corrected[("op", "grpc")]
    assert corrected.count == stats.total.num_requests
    assert corrected.percentile(0.95) > 4 * stats.total.histogram.percentile(0.95)


@pytest.mark.slow
def test_iterations_still_running_at_the_end_are_counted_as_cut_short():
    counts, stats = _run_open(_worker(5.0), "20/s", 100, 0.5)
    assert counts.started >= 8
    assert counts.finished == 0
    assert counts.cut_short == counts.started
    assert counts.to_dict()["cut_short"] == counts.started
    assert stats.total.num_requests == 0  # they never reported: the count says so


def test_a_closed_model_run_after_an_open_one_records_straight_to_the_statistics():
    environment = Environment(user_classes=[_worker(0.001)])
    runner = environment.create_local_runner()
    plain = environment.events.request.sink

    async def main():
        runner.start_arrivals(ArrivalRate(100.0, 100.0), 5)
        await asyncio.sleep(0.1)
        wrapped = environment.events.request.sink
        await runner.stop_async()
        runner.start(1, 10)
        await asyncio.sleep(0.1)
        restored = environment.events.request.sink
        await runner.quit_async()
        return wrapped, restored

    wrapped, restored = run(main())
    assert wrapped != plain  # the open model adds the corrected latency ...
    assert restored == plain  # ... and only while it runs


@pytest.mark.slow
def test_a_user_whose_on_start_fails_is_not_restarted_in_a_loop():
    class Broken(User):
        def on_start(self):
            raise ValueError("cannot log in")

        @task
        async def work(self):
            pass

    counts, _ = _run_open(Broken, "10/s", 5, 1.0)
    # Each released iteration may try one new user, no more: no spinning.
    assert counts.users <= counts.scheduled + 1
    assert counts.started == 0
    # Why nothing started is said: every user of the pool failed in on_start (the last
    # one may have been in the middle of it at the end).
    assert counts.users - 1 <= counts.start_failures <= counts.users
    assert counts.start_failures > 0
    lines = open_model_report(counts, RequestStats())
    assert "pool users failed in on_start, see the errors" in lines[0]
    assert counts.to_dict()["start_failures"] == counts.start_failures


def test_the_open_model_report_speaks_of_one_as_one():
    counts = ArrivalCounts(
        scheduled=3,
        started=3,
        finished=2,
        late=1,
        max_late_s=0.5,
        peak_concurrency=1,
        users=1,
        start_failures=1,
        max_concurrency=1,
        lost=1,
    )
    text = "\n".join(open_model_report(counts, RequestStats()))
    assert "About 1 more iteration was lost with workers that went missing" in text
    assert "lost" not in "\n".join(open_model_report(ArrivalCounts(), RequestStats()))
    assert "1 pool user failed in on_start" in text
    assert "1 was cut short by the end of the run: its requests in flight" in text
    assert "the one user allowed was busy" in text


def test_the_open_model_report_says_all_started_rather_than_none_could_not():
    first = open_model_report(ArrivalCounts(scheduled=250, started=250), RequestStats())[0]
    assert first == "Open model: 250 iterations scheduled, all 250 started"
    nothing = open_model_report(ArrivalCounts(), RequestStats())[0]
    assert nothing == "Open model: 0 iterations scheduled, none started"
    failing = ArrivalCounts(scheduled=9, started=9, start_failures=2)
    assert open_model_report(failing, RequestStats())[0].endswith(
        "all 9 started; 2 pool users failed in on_start, see the errors"
    )
    waiting = open_model_report(ArrivalCounts(scheduled=9, started=7), RequestStats())[0]
    assert waiting.endswith("7 started, 2 could not start (still waiting at the end)")


def test_the_open_model_table_cuts_milliseconds_as_the_percentile_table_does():
    stats = RequestStats()
    for _ in range(10):
        stats.record("GET", "/", 5.996, 0, None)
        stats.record_corrected("GET", "/", 5.996)
    # Locust's tables print whole milliseconds with %d: 5.996 ms is 5 there, so here too.
    table_row = next(line for line in percentiles_table(stats) if line.startswith("GET"))
    assert table_row.split()[-2:] == ["5", "10"]  # the 100% column, then the count
    rows = [line for line in open_model_report(ArrivalCounts(), stats) if line.startswith("GET /")]
    assert rows[0].split() == ["GET", "/", *["5"] * 4, "|", *["5"] * 4]


@pytest.mark.slow
def test_requests_from_tasks_a_user_spawns_are_corrected_too():
    class Parallel(User):
        def __init__(self, environment):
            super().__init__(environment)
            self.client = _Client(environment.events.request)

        @task
        async def work(self):
            # Two requests at once, in tasks of their own (Locust's gevent.spawn pattern).
            await asyncio.gather(self.client.call("/a", 0.05), self.client.call("/b", 0.05))

    counts, stats = _run_open(Parallel, "100/s", 2, 1.0)
    assert counts.late > 20
    assert stats.corrected_total.count == stats.total.num_requests > 20
    assert {key[0] for key in stats.corrected} == {"/a", "/b"}


def test_a_request_event_fired_from_a_thread_is_recorded_without_error():
    class Threaded(User):
        @task
        async def work(self):
            fire = self.environment.events.request.fire
            await asyncio.to_thread(
                fire,
                request_type="CALL",
                name="/threaded",
                response_time=1.0,
                response_length=0,
                exception=None,
                context={},
            )

    environment = Environment(user_classes=[Threaded])
    errors = []
    environment.events.user_error.add_listener(lambda exception, **kw: errors.append(exception))
    _run_open(environment, "50/s", 5, 0.3)
    assert errors == []
    assert environment.stats.get("/threaded", "CALL").num_requests >= 10


def test_plateaus_of_a_fractional_step_keep_their_levels():
    schedule = Schedule(ArrivalRate(10.0, 100.0), 1.0, 0.1)
    levels = [schedule.due_by(0.1 * (i + 1)) - schedule.due_by(0.1 * i) for i in range(10)]
    assert levels == pytest.approx([1.0 * level for level in range(1, 11)])


@pytest.mark.slow
def test_a_worker_joining_a_moment_late_leaves_the_past_iteration_to_the_others():
    # Told to start 4 ms into the shared schedule, as a worker joining: the one due at 0
    # was run by the workers there before, which cover the past until the reshare.
    counts, _ = _run_open(_worker(0.001), "100/s", 50, 1.3, duration=1.0, elapsed=0.004)
    assert counts.scheduled == 99


def test_a_larger_share_takes_effect_at_once():
    """A worker left: the others' shares grow, and their next iterations come sooner."""
    environment = Environment(user_classes=[_worker(0.001)])
    runner = environment.create_local_runner()

    async def main():
        runner.start_arrivals(ArrivalRate(1.0, 1.0), 50)  # the next one due in 1 s
        await asyncio.sleep(0.1)
        runner.arrivals.reshare(ArrivalRate(20.0, 20.0), 50)
        await asyncio.sleep(0.3)
        scheduled = runner.arrivals.counts.scheduled
        await runner.quit_async()
        return scheduled

    # The first at once, then 20/s from 0.1 s on: about six more by 0.4 s, not one at 1 s.
    assert 3 <= run(main()) <= 10


def _starts_recorder(starts: list[float]) -> type[User]:
    class Recorded(User):
        @task
        async def work(self):
            starts.append(asyncio.get_running_loop().time())

    return Recorded


@pytest.mark.slow
def test_shares_of_a_rate_interleave_and_add_up_to_the_whole_schedule():
    """Two workers at half of 4/s each: one every 0.25 s between them, 7 in 1.6 s."""
    starts: list[list[float]] = [[], []]
    runners = [
        Environment(user_classes=[_starts_recorder(starts[i])]).create_local_runner()
        for i in (0, 1)
    ]

    async def main():
        origin = asyncio.get_running_loop().time()
        for i, runner in enumerate(runners):
            runner.start_arrivals(ArrivalRate(2.0, 2.0), 10, duration=1.6, phase=i / 2)
        await asyncio.sleep(1.9)
        for runner in runners:
            await runner.quit_async()
        return origin

    origin = run(main())
    assert [len(share) for share in starts] == [4, 3]  # 0, .5, 1, 1.5 and .25, .75, 1.25
    merged = sorted(start - origin for share in starts for start in share)
    assert merged == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5], abs=0.1)


@pytest.mark.slow
def test_a_reshare_goes_on_from_the_whole_schedule_s_next_iteration_of_the_new_share():
    """Worker 0 of 2 (half of 2/s) becomes the only one at 0.3 s: it goes on at 0.5, the
    whole schedule's next iteration, not at 0.65 as if its own rate had just changed."""
    starts: list[float] = []
    runner = Environment(user_classes=[_starts_recorder(starts)]).create_local_runner()

    async def main():
        origin = asyncio.get_running_loop().time()
        runner.start_arrivals(ArrivalRate(1.0, 1.0), 10, duration=1.6)
        await asyncio.sleep(0.3)
        runner.arrivals.reshare(ArrivalRate(2.0, 2.0), 10, phase=0.0)
        await asyncio.sleep(1.5)
        await runner.quit_async()
        return origin

    origin = run(main())
    assert [start - origin for start in starts] == pytest.approx([0.0, 0.5, 1.0, 1.5], abs=0.07)


def test_a_worker_joining_mid_run_goes_on_from_the_next_iteration_due():
    """The others ran the past ones until they were shared anew: none is run twice."""
    starts: list[float] = []
    runner = Environment(user_classes=[_starts_recorder(starts)]).create_local_runner()

    async def main():
        origin = asyncio.get_running_loop().time()
        # Half of 4/s, worker 1 of 2, joining 1.1 s in: its iterations are the whole
        # schedule's 5, 7 ... due at 1.25 s, 1.75 s ... of the schedule (0.15 s, 0.65 s here).
        runner.start_arrivals(ArrivalRate(2.0, 2.0), 10, elapsed=1.1, phase=0.5)
        await asyncio.sleep(0.8)
        await runner.quit_async()
        return origin

    origin = run(main())
    assert [start - origin for start in starts] == pytest.approx([0.15, 0.65], abs=0.07)


def test_a_user_stopping_itself_in_on_start_is_no_failure():
    class Quitter(User):
        def on_start(self):
            raise StopUser

        @task
        async def work(self):
            pass

    counts, _ = _run_open(Quitter, "10/s", 5, 0.5)
    assert counts.users > 0
    assert counts.start_failures == 0


def test_a_markov_chain_in_the_open_model_is_warned_about_and_ends_where_it_interrupts(
    caplog,
):
    class Journey(MarkovTaskSet):
        @transition("leave")
        def browse(self):
            pass

        @transition("browse")
        def leave(self):
            self.interrupt()

    class Walker(User):
        tasks = [Journey]

    with caplog.at_level(logging.WARNING):
        counts, _ = _run_open(Walker, "50/s", 5, 0.5)
    assert "an iteration that picks Journey walks its chain until" in caplog.text
    # Each iteration ended where the chain interrupted (the last one may be just released).
    assert counts.started == counts.finished > 10
    assert counts.scheduled - counts.started <= 1
