"""FastHttpUser with rest(): JSON parsing, assertions turned into failures."""

from locust import FastHttpUser, constant, task


class RestUser(FastHttpUser):
    wait_time = constant(0.05)

    @task
    def product(self):
        with self.rest("GET", "/api/products/3") as response:
            if response.js["id"] != 3:
                response.failure(f"unexpected id {response.js['id']}")

    @task
    def not_json(self):
        with self.rest("GET", "/api/products/999999") as response:
            assert response.status_code == 200, "missing product"
