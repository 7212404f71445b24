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
