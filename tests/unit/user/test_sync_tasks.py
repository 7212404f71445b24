"""Whether a locustfile's tasks run in greenlets: the advice for a saturated generator."""

from horde import MarkovTaskSet, TaskSet, User, task, transition
from horde.user import has_sync_tasks


class AsyncOnly(User):
    @task
    async def browse(self):
        pass

    @task
    class Nested(TaskSet):
        @task
        async def look(self):
            pass


class Chain(MarkovTaskSet):
    @transition("second")
    async def first(self):
        pass

    @transition("first")
    async def second(self):
        pass


class SyncChain(MarkovTaskSet):
    @transition("second")
    async def first(self):
        pass

    @transition("first")
    def second(self):
        pass


def user_with(*tasks):
    return type("Mixed", (User,), {"tasks": list(tasks)})


def test_async_tasks_all_the_way_down_have_no_sync_task():
    assert has_sync_tasks([AsyncOnly]) is False
    assert has_sync_tasks([user_with(Chain)]) is False
    assert has_sync_tasks([]) is False


def test_a_plain_task_anywhere_counts():
    class Deep(TaskSet):
        @task
        def plain(self):
            pass

    assert has_sync_tasks([AsyncOnly, user_with(Deep)]) is True
    assert has_sync_tasks([user_with(AsyncOnly.browse, Deep)]) is True
    assert has_sync_tasks([user_with(lambda user: None)]) is True


def test_a_plain_step_of_a_markov_chain_counts():
    assert has_sync_tasks([user_with(SyncChain)]) is True


def test_a_set_listed_twice_is_looked_at_once():
    shared = AsyncOnly.tasks[-1]
    assert has_sync_tasks([user_with(shared, shared), user_with(shared)]) is False
