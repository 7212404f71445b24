"""Locust's library use (``examples/use_as_lib.py``), run inside a horde test against the
demo shop: Environment, create_local_runner, the stats printer, history and CSV writer
spawned with gevent, start, and quit."""

import csv
import runpy
from pathlib import Path

import pytest

from horde.compat import locust_alias
from horde.runtime import call_sync, run

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).parent / "scripts" / "use_as_lib.py"


def run_script(path):
    """Run ``path`` as synchronous code inside a running test, with the aliases active
    (a script run by plain ``python`` has no loop for ``gevent.spawn``)."""

    async def main():
        return await call_sync(lambda: runpy.run_path(str(path)))

    with locust_alias():
        return run(main())


def test_the_library_example_runs_and_writes_its_statistics(
    demo_shop, tmp_path, monkeypatch, table_lines
):
    monkeypatch.setenv("LIBRARY_TARGET", demo_shop)
    monkeypatch.setenv("LIBRARY_CSV", str(tmp_path / "lib"))

    namespace = run_script(SCRIPT)

    env = namespace["env"]
    stats = env.stats
    assert env.runner.state == "stopped"
    products = stats.get("/api/products", "GET")
    missing = stats.get("/no-such-page", "GET")
    assert products.num_requests > 5
    assert products.num_failures == 0
    assert missing.num_failures == missing.num_requests > 5

    # stats_printer: the first table at once, before any traffic, then every 2 s.
    assert table_lines[0].startswith("Type     Name")
    assert any(line.startswith("GET      /api/products") for line in table_lines)
    # stats_history: a point at the start, with the figures of that moment.
    assert stats.history
    assert stats.history[0]["user_count"][1] in (0, 1)

    with open(tmp_path / "lib_stats.csv", newline="") as handle:
        rows = {(row["Type"], row["Name"]): row for row in csv.DictReader(handle)}
    assert int(rows[("GET", "/api/products")]["Request Count"]) == products.num_requests
    assert int(rows[("", "Aggregated")]["Failure Count"]) == stats.total.num_failures
    history = (tmp_path / "lib_stats_history.csv").read_text().splitlines()
    assert len(history) >= 3  # the header, a row a second, the final one
    assert "/no-such-page" in (tmp_path / "lib_failures.csv").read_text()
