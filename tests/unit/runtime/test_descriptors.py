"""The descriptor table is grown up front, without touching any descriptor in use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads the table's size from /proc"
)

# Runs in a fresh interpreter: the test process's own table is already large.
_SCRIPT = """
import json, os, re, resource, sys
from horde.runtime import reserve_descriptors

def table_size():
    return int(re.search(r"FDSize:\\s+(\\d+)", open("/proc/self/status").read()).group(1))

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
limit = int(sys.argv[1])
if limit:
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
# A descriptor in use where the reservation probes: it must survive untouched.
kept = os.open(os.devnull, os.O_RDONLY)
os.dup2(kept, 999)
os.close(kept)
before_size, before_open = table_size(), sorted(os.listdir("/proc/self/fd"))
reserved = reserve_descriptors(int(sys.argv[2]))
print(json.dumps({
    "reserved": reserved,
    "before": before_size,
    "after": table_size(),
    "same_open": sorted(os.listdir("/proc/self/fd")) == before_open,
    "kept": os.readlink("/proc/self/fd/999"),
}))
"""


def _reserve(limit: int, count: int) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(limit), str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


def test_the_table_grows_to_the_count_asked_and_no_descriptor_is_left_or_replaced():
    result = _reserve(0, 5000)
    assert result["before"] < 5000
    assert result["reserved"] == 5000
    assert result["after"] >= 5000
    assert result["same_open"]
    assert result["kept"] == "/dev/null"


def test_the_reservation_stays_within_the_open_file_limit():
    result = _reserve(3000, 10_000)
    assert result["reserved"] == 3000
    assert 3000 <= result["after"] < 10_000
    assert result["same_open"]


def test_making_a_runner_grows_the_table():
    # So a program driving Environment itself gets it too, not only the command.
    script = (
        "import re\n"
        "from horde import User\n"
        "from horde.engine import Environment\n"
        "def size():\n"
        "    status = open('/proc/self/status').read()\n"
        "    return int(re.search(r'FDSize:\\s+(\\d+)', status).group(1))\n"
        "before = size()\n"
        "Environment(user_classes=[User]).create_local_runner()\n"
        "print(before, size())\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    before, after = (int(value) for value in completed.stdout.split())
    assert before < 1024 <= after
