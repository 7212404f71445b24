"""TaskSets: a tasks list of plain functions, nested inline sets, interrupt, a shadowing name."""

from locust import HttpUser, TaskSet, between, task


def index(taskset):
    taskset.client.get("/health")


def products(taskset):
    taskset.client.get("/api/products?page=1&limit=5", name="/api/products")


class Browse(TaskSet):
    tasks = [index, products]

    @task
    class Details(TaskSet):
        @task(3)
        def detail(self):
            self.client.get("/api/products/7", name="/api/products/[id]")

        @task
        def leave(self):
            self.interrupt()

    @task
    def stop_browsing(self):
        self.interrupt(reschedule=False)


class User(HttpUser):  # shadows locust.User, as some real locustfiles do
    wait_time = between(0.01, 0.02)
    tasks = [Browse]
