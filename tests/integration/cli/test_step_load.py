"""``--step-users``/``--step-time``: the capacity test from the command line."""

import re

import pytest

pytestmark = pytest.mark.slow

READER = """
from locust import HttpUser, constant, task

class Reader(HttpUser):
    wait_time = constant(0.1)

    @task
    def health(self):
        self.client.get("/health")
"""


def test_step_load_climbs_and_ends_by_itself(horde, locustfile, demo_shop):
    locustfile(READER)
    result = horde(
        "--headless",
        "--step-users",
        "2",
        "--step-time",
        "2s",
        "-u",
        "5",
        "-H",
        demo_shop,
        "--only-summary",
    )
    assert result.code == 0, result.stderr
    assert "Step load: 3 steps of 2 users, 2 s each (6 s in all)" in result.stderr
    updates = re.findall(r"Shape test updating to (\d+) users", result.stderr)
    assert updates == ["2", "4", "5"]
    assert "Shape test stopping" in result.stderr


def test_step_load_needs_all_three_options(horde, locustfile):
    locustfile(READER)
    result = horde("--headless", "--step-users", "2", "-H", "http://127.0.0.1:1")
    assert result.code == 2
    assert "a step load needs --step-users, --step-time and -u" in result.stderr
