"""The users-per-process scenario with an ``async def`` task (horde only)."""

from horde import FastHttpUser, constant_throughput, task


class PacedAsyncUser(FastHttpUser):
    wait_time = constant_throughput(1)

    @task
    async def index(self):
        await self.client.aget("/")
