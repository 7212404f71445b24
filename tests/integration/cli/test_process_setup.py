"""What the command sets up in its process (and each worker's) before the load starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from horde.runtime import local_ports
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


@pytest.mark.skipif(local_ports() is None, reason="reads /proc/sys/net/ipv4")
def test_more_users_than_quick_local_ports_get_a_warning(horde, locustfile):
    # Past half the range, each connect to one address scans the whole range for a port.
    ports = local_ports()
    assert ports is not None
    locustfile(TABLE_PROBE)
    below = horde("--headless", "-u", str(ports.without_search), "-r", "1", "-t", "1s")
    above = horde("--headless", "-u", str(ports.without_search + 1), "-r", "1", "-t", "1s")
    assert below.code == above.code == 0, above.stderr
    assert "ip_local_port_range" not in below.stderr
    assert f"net.ipv4.ip_local_port_range ({ports} here)" in above.stderr
    assert f"past {ports.without_search} connections" in above.stderr
    assert "sysctl -w" in above.stderr
