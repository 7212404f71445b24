import asyncio

import pytest

from horde.compat import locust_alias
from horde.runtime import call_sync, run


def in_run(function):
    """Run ``function`` as synchronous user code inside a run, with the aliases active."""

    async def main():
        return await call_sync(function)

    with locust_alias():
        return run(main())


def test_spawn_join_and_values():
    def body():
        import gevent

        results = []
        first = gevent.spawn(lambda: results.append("now") or "a")
        later = gevent.spawn_later(0.05, lambda: results.append("later") or "b")
        gevent.joinall([first, later], timeout=2)
        return results, first.value, later.value, first.successful()

    assert in_run(body) == (["now", "later"], "a", "b", True)


def test_kill_stops_a_spawned_function():
    def body():
        import gevent

        steps = []

        def forever():
            while True:
                steps.append(1)
                gevent.sleep(0.01)

        greenlet = gevent.spawn(forever)
        gevent.sleep(0.05)
        greenlet.kill()
        count = len(steps)
        gevent.sleep(0.05)
        return greenlet.dead, count == len(steps)

    assert in_run(body) == (True, True)


def test_semaphore_and_event():
    def body():
        from gevent.event import Event
        from gevent.lock import Semaphore

        semaphore = Semaphore(1)
        assert semaphore.acquire()
        taken = semaphore.acquire(blocking=False)
        timed_out = semaphore.acquire(timeout=0.01)
        semaphore.release()
        event = Event()
        waited = event.wait(timeout=0.01)
        event.set()
        return taken, timed_out, waited, event.wait(), event.is_set()

    assert in_run(body) == (False, False, False, True, True)


def test_spawn_outside_a_run_is_a_clear_error():
    from horde.exceptions import UsageError

    with locust_alias():
        import gevent

        with pytest.raises(UsageError, match="needs a running test"):
            gevent.spawn(print)


def test_the_real_gevent_is_back_after_the_run():
    with locust_alias():
        import gevent

        assert gevent.__name__ == "horde.compat.gevent"
    import sys

    assert "gevent" not in sys.modules or sys.modules["gevent"].__name__ != "horde.compat.gevent"


def test_a_group_waits_for_all_its_functions_and_stops_them_together():
    def body():
        import gevent
        from gevent.pool import Group

        done = []
        group = Group()
        for delay in (0.03, 0.01, 0.02):
            group.spawn(lambda d=delay: gevent.sleep(d) or done.append(d))
        running = len(group)
        all_done = group.join(timeout=2)
        sleepers = Group()
        for _ in range(3):
            sleepers.spawn(gevent.sleep, 60)
        in_time = sleepers.join(timeout=0.01)
        sleepers.kill(timeout=2)
        return running, all_done, sorted(done), len(group), in_time, len(sleepers)

    assert in_run(body) == (3, True, [0.01, 0.02, 0.03], 0, False, 0)


def test_a_group_raises_the_first_error_when_asked():
    def body():
        from gevent.pool import Group

        group = Group()
        group.spawn(lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            group.join(raise_error=True)
        group.spawn(lambda: 1 / 0)
        return group.join()  # finished, though not well

    assert in_run(body)


def test_a_pool_runs_at_most_its_size_at_once():
    def body():
        import gevent
        from gevent.pool import Pool

        pool = Pool(2)
        running, peak = [0], [0]

        def work():
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            gevent.sleep(0.01)
            running[0] -= 1

        for _ in range(6):
            pool.spawn(work)  # waits for a free slot
        full_after_spawning = pool.full()
        pool.join(timeout=2)
        return peak[0], full_after_spawning, pool.free_count()

    assert in_run(body) == (2, True, 2)
    with pytest.raises(ValueError, match="size must be 1 or more"):
        in_run(lambda: __import__("gevent.pool").pool.Pool(0))


def test_a_group_forgets_finished_functions_and_waits_for_ones_spawned_meanwhile():
    def body():
        import gevent
        from gevent.pool import Group

        group = Group()
        quick = group.spawn(lambda: None)
        while not quick.dead:
            gevent.sleep(0)
        emptied = group.join(), len(group)
        done = []

        def parent():
            gevent.sleep(0.01)
            group.spawn(lambda: gevent.sleep(0.02) or done.append("child"))

        group.spawn(parent)
        return emptied, group.join(timeout=2), done

    assert in_run(body) == ((True, 0), True, ["child"])


def test_a_greenlet_added_to_a_pool_takes_a_slot():
    def body():
        import time

        import gevent
        from gevent.pool import Pool

        pool = Pool(1)
        pool.add(gevent.spawn(gevent.sleep, 0.1))
        started = time.monotonic()
        pool.spawn(gevent.sleep, 0)  # waits for the added one to finish
        return time.monotonic() - started >= 0.05, len(pool) <= 1

    assert in_run(body) == (True, True)


def test_a_timeout_raises_itself_where_the_code_waits_and_ends_with_its_block():
    def body():
        import time

        import gevent

        started = time.monotonic()
        timeout = gevent.Timeout(0.05)
        try:
            with timeout:
                gevent.sleep(5)
        except gevent.Timeout as error:
            raised = error is timeout, time.monotonic() - started
        with gevent.Timeout(0.02):
            pass
        gevent.sleep(0.05)  # the block's timeout no longer counts
        return raised, str(timeout), timeout.pending

    (same, waited), text, pending = in_run(body)
    assert same
    assert 0.04 <= waited < 2
    assert (text, pending) == ("0.05 seconds", False)


def test_a_timeout_can_end_its_block_quietly_or_raise_another_exception():
    def body():
        import gevent
        from gevent.event import Event
        from gevent.lock import Semaphore
        from gevent.queue import Queue

        reached = []
        with gevent.Timeout(0.02, False):
            Event().wait()
            reached.append("after the wait")
        semaphore = Semaphore(1)
        semaphore.acquire()
        with pytest.raises(KeyError), gevent.Timeout(0.02, KeyError):
            semaphore.acquire()
        with pytest.raises(ValueError, match="mine"), gevent.Timeout(0.02, ValueError("mine")):
            Queue().get()
        return reached, gevent.with_timeout(0.02, gevent.sleep, 5, timeout_value="gave up")

    assert in_run(body) == ([], "gave up")


def test_a_timeout_outside_synchronous_code_is_a_clear_error():
    from horde.exceptions import UsageError

    with locust_alias():
        import gevent

        async def main():
            with gevent.Timeout(1):
                pass

        with pytest.raises(UsageError, match="asyncio"):
            run(main())


def test_greenlets_built_started_got_and_linked():
    def body():
        import gevent

        linked = []
        greenlet = gevent.Greenlet(lambda x: gevent.sleep(0.01) or x * 2, 21)
        greenlet.link(lambda g: linked.append(g.value))
        not_yet = greenlet.started, greenlet.dead
        greenlet.start()
        value = greenlet.get(timeout=2)
        failing = gevent.spawn(lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            failing.get()
        slow = gevent.spawn(gevent.sleep, 5)
        with pytest.raises(gevent.Timeout):
            slow.get(timeout=0.01)
        slow.kill()
        killed = slow.dead, slow.successful(), slow.exception, type(slow.get())
        early = gevent.Greenlet(gevent.sleep, 1)
        early.kill(KeyError)  # before it started: it never runs
        return not_yet, value, linked, killed, type(early.exception), early.started

    # As gevent reports them: a plain kill is a success whose value is the GreenletExit.
    assert in_run(body) == (
        (False, False),
        42,
        [42],
        (True, True, None, asyncio.CancelledError),
        KeyError,
        False,
    )


def test_killing_raises_greenlet_exit_or_the_given_exception_where_it_waits():
    def body():
        import gevent

        seen = []

        def waits():
            try:
                gevent.sleep(5)
            except gevent.GreenletExit:
                seen.append("GreenletExit")
                raise
            except KeyError:
                seen.append("KeyError")

        first, second, third = (gevent.spawn(waits) for _ in range(3))
        gevent.sleep(0.01)
        gevent.kill(first)
        second.kill(KeyError, timeout=2)
        never = gevent.Greenlet(seen.append, "ran")
        gevent.killall([third, never], timeout=2)
        never.start()
        gevent.sleep(0.01)
        return sorted(seen), second.successful(), never.dead, never.started

    assert in_run(body) == (["GreenletExit", "GreenletExit", "KeyError"], True, True, False)


def test_wait_returns_once_enough_have_finished():
    def body():
        import gevent

        quick = [gevent.spawn(gevent.sleep, 0.01) for _ in range(2)]
        slow = gevent.spawn(gevent.sleep, 5)
        first = gevent.wait([*quick, slow], count=1)
        both = gevent.wait(quick)
        timed_out = gevent.wait([slow], timeout=0.01)
        slow.kill()
        return len(first) >= 1, len(both), timed_out

    assert in_run(body) == (True, 2, [])


def test_a_queue_filled_at_load_time_is_shared_by_waiting_users():
    from queue import Empty, Full

    with locust_alias():
        from gevent.queue import Queue

        accounts = Queue(items=["ann"])
        accounts.put("bob")  # room: no waiting, no loop needed
        assert (accounts.qsize(), accounts.get(), len(accounts)) == (2, "ann", 1)

    def body():
        import gevent
        from gevent.queue import JoinableQueue, LifoQueue, PriorityQueue

        got = [accounts.get()]
        late = gevent.spawn(accounts.get, timeout=2)  # waits for an item
        gevent.sleep(0.01)
        accounts.put("cy")
        got.append(late.get(timeout=2))
        with pytest.raises(Empty):
            accounts.get(timeout=0.01)
        with pytest.raises(Empty):
            accounts.get_nowait()
        small = Queue(1)
        small.put(1)
        with pytest.raises(Full):
            small.put(2, timeout=0.01)
        gevent.spawn_later(0.01, small.get)
        small.put(3, timeout=2)  # room once the other took one
        lifo, by_priority = LifoQueue(items=[1, 2, 3]), PriorityQueue(items=[(2, "b"), (1, "a")])
        orders = [lifo.get() for _ in range(3)], [by_priority.get()[1] for _ in range(2)]
        assert JoinableQueue is Queue  # every queue joins, as since gevent 25.4
        work = Queue(items=["a", "b"])
        unfinished = (work.unfinished_tasks, work.join(timeout=0.01))

        def worker():
            for _item in work:
                work.task_done()

        gevent.spawn(worker)
        finished = work.join(timeout=2)
        work.put(StopIteration)
        return got, small.get(), orders, unfinished, finished, lifo.join(timeout=0.01)

    assert in_run(body) == (["bob", "cy"], 3, ([3, 2, 1], ["a", "b"]), (2, False), True, False)


def test_an_rlock_is_reentrant_for_its_holder_only_and_a_bounded_semaphore_is_bounded():
    def body():
        import gevent
        from gevent.lock import BoundedSemaphore, RLock

        lock = RLock()
        with lock, lock:
            other = gevent.spawn(lock.acquire, timeout=0.02)
            held_elsewhere = other.get(timeout=2)
        with pytest.raises(RuntimeError, match="un-acquired"):
            lock.release()
        free_again = gevent.spawn(lock.acquire, blocking=False).get(timeout=2)
        bounded = BoundedSemaphore(1)
        bounded.acquire()
        bounded.release()
        with pytest.raises(ValueError, match="released too many times"):
            bounded.release()
        return held_elsewhere, free_again

    assert in_run(body) == (False, True)


def test_a_free_lock_a_set_event_and_a_kill_need_no_waiting_so_work_anywhere():
    with locust_alias():
        import gevent
        from gevent.event import Event
        from gevent.lock import DummySemaphore, Semaphore

        semaphore, event = Semaphore(1), Event()
        with semaphore:
            assert semaphore.locked()
        unlimited = DummySemaphore()
        with unlimited, unlimited:
            assert (unlimited.locked(), unlimited.acquire(blocking=False)) == (False, True)
            assert unlimited.wait(timeout=0) == 1
        event.set()
        assert event.wait()

        async def main():  # the loop's own code, outside any greenlet: no waiting there
            greenlet = gevent.spawn(gevent.sleep, 5)
            await asyncio.sleep(0.01)
            greenlet.kill()  # cancelled; the wait for it is skipped
            await asyncio.sleep(0.01)
            return greenlet.dead

        assert run(main())


def test_async_results_iwait_idle_and_group_maps():
    def body():
        import gevent
        from gevent.event import AsyncResult
        from gevent.pool import Group, Pool

        token = AsyncResult()
        gevent.spawn_later(0.01, token.set, "secret")
        got = token.get(timeout=2)
        failed = AsyncResult()
        failed.set_exception(KeyError("gone"))
        with pytest.raises(KeyError):
            failed.result(timeout=1)
        assert failed.exc_info[:2] == (KeyError, failed.exception)
        assert AsyncResult().exc_info == ()
        with pytest.raises(gevent.Timeout):
            AsyncResult().get(timeout=0.01)
        linked = AsyncResult()
        gevent.spawn(lambda: 7).link(linked)
        finish_order = [
            g.value
            for g in gevent.iwait(
                [gevent.spawn(lambda d=d: gevent.sleep(d) or d) for d in (0.03, 0.01)]
            )
        ]
        gevent.idle()
        slow_first = [0.02, 0.0, 0.01]
        mapped = Pool(2).map(lambda d: gevent.sleep(d) or d, slow_first)
        unordered = list(Group().imap_unordered(lambda d: gevent.sleep(d) or d, slow_first))
        return got, linked.get(timeout=2), finish_order, mapped, unordered

    assert in_run(body) == (
        "secret",
        7,
        [0.01, 0.03],
        [0.02, 0.0, 0.01],
        [0.0, 0.01, 0.02],
    )


def test_an_rlock_belongs_to_its_user_across_its_calls():
    from horde.runtime import SyncCaller

    with locust_alias():
        from gevent.lock import RLock

    lock = RLock()

    async def main():
        user = SyncCaller()
        await user.call(lock.acquire)  # on_start takes it...
        other = await asyncio.ensure_future(call_sync(lock.acquire, False))  # another user
        await user.call(lock.release)  # ...on_stop gives it back
        again = await asyncio.ensure_future(call_sync(lock.acquire, False))
        return other, again

    assert run(main()) == (False, True)


def test_semaphore_wait_holds_users_until_a_release_without_taking_the_slot():
    """Locust's ``examples/semaphore_wait.py``: users wait in on_start until all spawned."""

    def body():
        import gevent
        from gevent.event import Event
        from gevent.lock import Semaphore

        all_spawned = Semaphore()
        all_spawned.acquire()
        before = (all_spawned.ready(), all_spawned.counter, all_spawned.wait(timeout=0.01))
        waiters = [gevent.spawn(all_spawned.wait) for _ in range(3)]
        gevent.sleep(0.01)
        waiting = [w.dead for w in waiters]
        all_spawned.release()
        gevent.joinall(waiters, timeout=2)
        event = Event()
        event.set()
        return before, waiting, [w.value for w in waiters], all_spawned.counter, event.ready()

    assert in_run(body) == ((False, 0, 0), [False] * 3, [1, 1, 1], 1, True)


@pytest.mark.parametrize(
    ("kind", "items", "first"),
    [
        ("Queue", [1, 2], 1),
        ("LifoQueue", [1, 2], 2),
        ("PriorityQueue", [(2, "b"), (1, "a")], (1, "a")),
    ],
)
def test_peek_shows_the_next_item_and_leaves_it(kind, items, first):
    def body():
        from queue import Empty

        import gevent
        import gevent.queue

        queue = getattr(gevent.queue, kind)(items=items)
        seen = (queue.peek(), queue.peek_nowait(), queue.qsize(), queue.get())
        empty = getattr(gevent.queue, kind)()
        with pytest.raises(Empty):
            empty.peek_nowait()
        with pytest.raises(Empty):
            empty.peek(timeout=0.01)
        peeker = gevent.spawn(empty.peek, timeout=2)
        getter = gevent.spawn(empty.get, timeout=2)  # woken too: the peek took nothing
        gevent.sleep(0.01)
        empty.put(items[0])
        gevent.joinall([peeker, getter], timeout=2)
        return seen, peeker.value, getter.value, empty.qsize()

    assert in_run(body) == ((first, first, len(items), first), items[0], items[0], 0)


def test_a_peek_woken_then_cancelled_hands_the_item_on():
    """As asyncio's own get does: a getter behind the cancelled peek is woken."""

    async def main():
        with locust_alias():
            from gevent.queue import Queue

        queue = Queue()
        peek = asyncio.ensure_future(queue._an_item())
        get = asyncio.ensure_future(queue._queue.get())
        await asyncio.sleep(0)
        queue.put_nowait("item")  # wakes the peek first
        peek.cancel()  # before it resumes
        return await asyncio.wait_for(get, 2)

    assert run(main()) == "item"


def test_pools_apply_map_in_the_background_and_wait_for_a_slot():
    def body():
        import gevent
        from gevent.pool import Pool

        pool = Pool(1)
        applied = pool.apply(lambda a, b=0: a + b, (1,), {"b": 2})
        results = []
        started = pool.apply_async(lambda: gevent.sleep(0.05) or "late", callback=results.append)
        full = (pool.free_count(), pool.wait_available(timeout=0.01))
        free = pool.wait_available(timeout=2)
        mapped = pool.map_async(lambda n: n * 2, [1, 2, 3], callback=results.append)
        mapped.join(timeout=2)
        gevent.sleep(0.01)  # the callbacks run once the functions returned
        return applied, started.value, full, free, mapped.value, results

    assert in_run(body) == (3, "late", (0, 0), 1, [2, 4, 6], ["late", [2, 4, 6]])


def test_greenlets_keep_their_arguments_and_a_name():
    def body():
        import gevent

        greenlet = gevent.spawn(lambda a, b=None: a, 1, b=2)
        greenlet.join(timeout=2)
        other = gevent.spawn(lambda: None)
        return greenlet.args, greenlet.kwargs, greenlet.name.startswith("Greenlet-"), other.name

    args, kwargs, named, other = in_run(body)
    assert (args, kwargs, named) == ((1,), {"b": 2}, True)
    assert other.startswith("Greenlet-")
