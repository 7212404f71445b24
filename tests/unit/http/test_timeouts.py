import asyncio
import gc
import weakref

from horde.http._timeouts import TimeoutWatcher, watcher_for
from horde.runtime import run


class Item:
    def __init__(self, loop, timeout):
        self.timeout = timeout
        self.deadline = loop.time() + timeout
        self.expired_at = None

    def expire(self, now):
        if self.expired_at is None:  # a real connection unwatches itself when it expires
            self.expired_at = now


def test_overdue_items_expire_within_a_quarter_of_their_timeout():
    async def scenario():
        loop = asyncio.get_running_loop()
        watcher = TimeoutWatcher(loop)
        short, long = Item(loop, 0.04), Item(loop, 10)
        watcher.watch(short)
        watcher.watch(long)
        await asyncio.sleep(0.08)
        assert short.expired_at is not None
        assert short.deadline <= short.expired_at <= short.deadline + 0.04 / 4 + 0.02
        assert long.expired_at is None
        watcher.unwatch(short)
        watcher.unwatch(long)
        assert len(watcher) == 0

    run(scenario())


def test_the_watcher_stops_ticking_when_nothing_is_watched():
    async def scenario():
        loop = asyncio.get_running_loop()
        watcher = TimeoutWatcher(loop)
        item = Item(loop, 0.02)
        watcher.watch(item)
        watcher.unwatch(item)
        await asyncio.sleep(0.03)
        assert watcher._handle is None
        assert item.expired_at is None

    run(scenario())


def test_one_watcher_per_loop_freed_with_its_loop():
    async def scenario():
        loop = asyncio.get_running_loop()
        assert watcher_for(loop) is watcher_for(loop)
        return weakref.ref(loop), weakref.ref(watcher_for(loop))

    loop_ref, watcher_ref = run(scenario())
    gc.collect()
    assert loop_ref() is None
    assert watcher_ref() is None
