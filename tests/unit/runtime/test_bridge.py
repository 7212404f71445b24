import asyncio
import threading
import time

import pytest

from horde.exceptions import UsageError
from horde.runtime import (
    SyncCaller,
    await_,
    call_sync,
    cooperative_sleep,
    in_bridge,
    interrupt,
    interrupt_later,
    run,
    run_blocking,
)


def test_call_sync_returns_what_user_code_awaited():
    def user_code(x):
        assert in_bridge()
        return await_(asyncio.sleep(0, result=x * 2))

    assert run(call_sync(user_code, 21)) == 42


def test_exceptions_raised_while_awaiting_reach_user_code():
    seen = []

    async def boom():
        raise ValueError("from the loop")

    def user_code():
        try:
            await_(boom())
        except ValueError as exc:
            seen.append(str(exc))
        return "handled"

    assert run(call_sync(user_code)) == "handled"
    assert seen == ["from the loop"]


def test_exceptions_raised_by_user_code_reach_the_driver():
    def user_code():
        raise KeyError("mine")

    with pytest.raises(KeyError):
        run(call_sync(user_code))


def test_cancelling_the_driver_runs_user_finally_blocks():
    cleaned = []

    def user_code():
        try:
            await_(asyncio.sleep(10))
        finally:
            cleaned.append(True)

    async def main():
        task = asyncio.ensure_future(call_sync(user_code))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    assert cleaned == [True]


def test_await_outside_user_code_is_a_clear_error():
    with pytest.raises(UsageError, match="outside synchronous user code"):
        await_(asyncio.sleep(0))
    # run_blocking from an async def task: what to use there instead.
    with pytest.raises(UsageError, match=r"await asyncio\.to_thread\(fn, \.\.\.\)"):
        run(_async_task_calling_run_blocking())


async def _async_task_calling_run_blocking():
    from horde import run_blocking

    run_blocking(time.sleep, 0)


def test_cooperative_sleep_lets_users_overlap_and_is_removed_after():
    def sleeper():
        time.sleep(0.2)

    async def main():
        with cooperative_sleep():
            started = time.perf_counter()
            await asyncio.gather(*(call_sync(sleeper) for _ in range(50)))
            return time.perf_counter() - started

    elapsed = run(main())
    assert elapsed < 2  # 50 blocking sleeps would take 10 s
    assert time.sleep.__module__ == "time"


def test_run_blocking_runs_in_a_thread_without_blocking_the_loop():
    def blocking():
        return threading.current_thread() is threading.main_thread()

    assert run(call_sync(run_blocking, blocking)) is False


def test_callers_share_idle_greenlets_and_a_nested_call_gets_another():
    from greenlet import getcurrent

    from horde.runtime import SyncCaller

    caller, other = SyncCaller(), SyncCaller()
    seen = []

    def inner():
        seen.append(("inner", getcurrent()))
        return await_(asyncio.sleep(0, result="inner done"))

    def outer():
        seen.append(("outer", getcurrent()))
        # A synchronous call that needs the caller again while it is busy.
        return await_(caller.call(inner))

    async def main():
        first = await caller.call(outer)
        second = await other.call(outer)
        return first, second

    assert run(main()) == ("inner done", "inner done")
    outers = [g for name, g in seen if name == "outer"]
    inners = [g for name, g in seen if name == "inner"]
    assert outers[0] is outers[1]  # reused by the next call, whoever makes it
    assert inners[0] is not outers[0]  # the nested call got its own


def test_each_caller_keeps_its_own_context_variables_across_calls():
    import contextvars

    from horde.runtime import SyncCaller

    who = contextvars.ContextVar("who", default="nobody")
    first, second = SyncCaller(), SyncCaller()

    def remember(name):
        before = who.get()
        who.set(name)
        return before

    def calls_nested():
        # A task set run synchronously: its task runs in a greenlet of its own, in the
        # same context, as it would in the user's one greenlet under gevent.
        seen = await_(first.call(remember, "nested"))
        return seen, who.get()

    async def main():
        return [
            await first.call(remember, "first"),
            await second.call(remember, "second"),  # the same greenlet, its own context
            await first.call(remember, "first again"),
            await second.call(who.get),
            await first.call(calls_nested),
        ]

    assert run(main()) == ["nobody", "nobody", "first", "second", ("first again", "nested")]
    assert who.get() == "nobody"  # the loop's own context is untouched


def test_each_thread_has_its_own_idle_greenlets():
    from horde.runtime import SyncCaller

    caller = SyncCaller()

    async def main():
        return await caller.call(await_, asyncio.sleep(0, result="ran"))

    assert run(main()) == "ran"
    results = []
    thread = threading.Thread(target=lambda: results.append(run(main())))
    thread.start()
    thread.join()
    assert results == ["ran"]


def test_sync_caller_survives_errors_and_cancellation():
    from horde.runtime import SyncCaller

    caller = SyncCaller()

    def fails():
        raise ValueError("task failed")

    def waits():
        await_(asyncio.sleep(10))

    def works():
        return "still works"

    async def main():
        with pytest.raises(ValueError, match="task failed"):
            await caller.call(fails)
        task = asyncio.ensure_future(caller.call(waits))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return await caller.call(works)

    assert run(main()) == "still works"


class Interrupted(Exception):
    pass


def test_a_deadline_raises_its_error_where_user_code_waits():
    def user_code():
        started = time.monotonic()
        try:
            await_(asyncio.sleep(5))
        except Interrupted as error:
            return str(error), time.monotonic() - started
        return "not interrupted", 0

    def with_deadline():
        interrupt_later(0.05, Interrupted("late"))
        return user_code()

    message, waited = run(call_sync(with_deadline))
    assert message == "late"
    assert 0.04 <= waited < 2


def test_the_driver_is_not_left_cancelled_after_an_interrupt():
    def user_code():
        interrupt_later(0.01, Interrupted())
        with pytest.raises(Interrupted):
            await_(asyncio.sleep(5))
        return await_(asyncio.sleep(0.02, result="went on"))

    async def main():
        result = await call_sync(user_code)
        task = asyncio.current_task()
        await asyncio.sleep(0.02)  # a cancellation left pending would end the task here
        return result, task.cancelling()

    assert run(main()) == ("went on", 0)


def test_a_cancelled_deadline_and_one_outliving_its_call_do_not_fire():
    def cancelled():
        deadline = interrupt_later(0.01, Interrupted())
        deadline.cancel()
        await_(asyncio.sleep(0.03))
        return deadline.pending

    def leaves_one_running():
        return interrupt_later(0.01, Interrupted())

    async def main():
        caller = SyncCaller()
        left = await caller.call(leaves_one_running)
        await asyncio.sleep(0.03)  # it would cancel this task
        return await caller.call(cancelled), left.pending, left.fired

    assert run(main()) == (False, False, False)


def test_an_interrupt_reaches_the_innermost_wait_of_nested_calls():
    def inner():
        await_(asyncio.sleep(5))

    def outer():
        interrupt_later(0.01, Interrupted("to the outer"))
        try:
            await_(call_sync(inner))
        except Interrupted as error:
            return str(error)
        return "not interrupted"

    assert run(call_sync(outer)) == "to the outer"


def test_interrupting_a_task_throws_the_error_into_its_user_code():
    def user_code():
        try:
            await_(asyncio.sleep(5))
        except Interrupted:
            return "stopped by the error"
        return "slept"

    async def main():
        task = asyncio.ensure_future(call_sync(user_code))
        await asyncio.sleep(0.01)
        interrupt(task, Interrupted())
        return await task

    assert run(main()) == "stopped by the error"


def test_a_deadline_outside_user_code_is_a_clear_error():
    async def main():
        interrupt_later(1, Interrupted())

    with pytest.raises(UsageError, match=r"asyncio\.timeout"):
        run(main())


def test_an_interrupt_a_wait_swallowed_does_not_turn_a_later_stop_into_it():
    async def ignores_cancellation():
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            return "swallowed"
        return "slept"

    def first():
        interrupt_later(0.01, Interrupted())
        return await_(ignores_cancellation())

    def second():
        try:
            await_(asyncio.sleep(5))
        except Interrupted:
            return "stopped by a stale interrupt"
        return "slept"

    outcomes = []

    async def user():  # one task, as a user's: its calls one after the other
        caller = SyncCaller()
        outcomes.append(await caller.call(first))
        outcomes.append(await caller.call(second))

    async def main():
        task = asyncio.ensure_future(user())
        await asyncio.sleep(0.05)
        task.cancel()  # the user is stopped
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    assert outcomes == ["swallowed"]


def test_a_stop_that_comes_with_an_interrupt_wins():
    seen = []

    def survives_errors():
        while True:
            try:
                await_(asyncio.sleep(10))
            except Interrupted:
                seen.append("interrupted")  # code that goes on after the error

    async def main():
        task = asyncio.ensure_future(SyncCaller().call(survives_errors))
        await asyncio.sleep(0.01)
        interrupt(task, Interrupted())  # a timeout fires...
        task.cancel()  # ...in the turn the runner stops the user
        done, _ = await asyncio.wait({task}, timeout=2)
        return bool(done) and task.cancelled()

    assert run(main())
    assert seen == []


def test_an_interrupt_a_wait_for_swallowed_does_not_fire_later_in_the_call():
    seen, ready = [], []

    def waits_then_sleeps():
        seen.append(await_(asyncio.wait_for(ready[0], timeout=5)))
        try:
            await_(asyncio.sleep(10))
        except Interrupted:
            seen.append("stale interrupt")

    async def main():
        ready.append(asyncio.get_running_loop().create_future())
        task = asyncio.ensure_future(SyncCaller().call(waits_then_sleeps))
        await asyncio.sleep(0.01)
        ready[0].set_result("item")  # the result and the interrupt in the same turn:
        interrupt(task, Interrupted())  # wait_for returns the result
        await asyncio.sleep(0.05)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=2)
        return bool(done) and task.cancelled()

    assert run(main())
    assert seen == ["item"]
