"""A locustfile that uses requests itself, as many written for Locust do: its auth class,
its exceptions around ``raise_for_status`` in a ``catch_response`` block, and urllib3's
warnings switch."""

import requests
import urllib3
from locust import HttpUser, constant, task
from requests.auth import HTTPBasicAuth

urllib3.disable_warnings()


class Checker(HttpUser):
    wait_time = constant(0.2)

    @task
    def missing_product(self):
        with self.client.get(
            "/api/products/999999", catch_response=True, name="missing product"
        ) as response:
            try:
                response.raise_for_status()
            except requests.exceptions.HTTPError as error:
                response.success()  # the 404 is what this check expects
                print("CAUGHT", type(error).__name__, error.response.status_code, flush=True)

    @task
    def health_with_auth(self):
        response = self.client.get("/health", auth=HTTPBasicAuth("ann", "secret"))
        print("SENT", response.request.headers.get("Authorization"), flush=True)
