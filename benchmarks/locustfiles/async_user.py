"""Hot loop with a horde ``async def`` task: one small GET, no wait, no greenlet bridge.

horde only: Locust cannot await a task.
"""

from horde import HttpUser, constant, task


class HotLoopUser(HttpUser):
    wait_time = constant(0)

    @task
    async def index(self):
        await self.client.aget("/")
