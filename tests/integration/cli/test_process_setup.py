"""What the command sets up in its process (and each worker's) before the load starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from horde.runtime._descriptors import RESERVED_DESCRIPTORS

# Each process that runs users writes down its descriptor table's size and its limit.
TABLE_PROBE = """
import json, os, re, resource
from locust import User, constant, events, task

@events.test_start.add_listener
def _table(environment, **kwargs):
    status = open("/proc/self/status").read()
    size = int(re.search(r"FDSize:\\s+(\\d+)", status).group(1))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    with open(f"table-{os.getpid()}.json", "w") as handle:
        json.dump({"size": size, "limit": soft}, handle)

class Idle(User):
    wait_time = constant(0.1)

    @task
    def nothing(self):
        pass
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize("processes", [[], ["--processes", "2"]], ids=["one", "workers"])
def test_the_descriptor_table_is_grown_before_users_open_connections(
    horde, locustfile, tmp_path, processes
):
    # Growing it later, with threads running, blocks the loop for an RCU grace period at
    # every doubling: those stalls were a ramp's maximum response times.
    locustfile(TABLE_PROBE)
    result = horde("--headless", *processes, "-u", "2", "-r", "2", "-t", "1s")
    assert result.code == 0, result.stderr
    tables = [json.loads(path.read_text()) for path in tmp_path.glob("table-*.json")]
    assert len(tables) == (1 if not processes else 3)  # the master fires test_start too
    for table in tables:
        assert table["size"] >= min(table["limit"], RESERVED_DESCRIPTORS), table
