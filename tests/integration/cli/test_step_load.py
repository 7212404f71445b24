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


def test_summary_json_holds_the_run(horde, locustfile, demo_shop, tmp_path):
    import json

    locustfile(READER)
    result = horde(
        "--headless",
        "--step-users",
        "2",
        "--step-time",
        "2s",
        "-u",
        "4",
        "-H",
        demo_shop,
        "--summary-json",
        "out/summary.json",
        "--check",
        "p95<5000",
    )
    assert result.code == 0, result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["exit_code"] == 0
    assert summary["host"] == demo_shop
    assert summary["totals"]["requests"] > 10
    assert set(summary["totals"]["percentiles_ms"]) >= {"p50", "p95", "p99"}
    assert [e["name"] for e in summary["endpoints"]] == ["/health"]
    assert [step["users"] for step in summary["steps"]] == [2, 4]
    assert summary["steps"][0]["end"] == summary["steps"][1]["start"]
    aggregate = summary["series"]["aggregate"]
    assert len(aggregate) >= 3
    assert {"timestamp", "user_count", "rps", "p95"} <= set(aggregate[0])
    assert "GET /health" in summary["series"]["endpoints"]
    assert summary["checks"] == [
        {"check": "p95<5000", "value": summary["totals"]["percentiles_ms"]["p95"], "passed": True}
    ]
    assert summary["users"]["peak"] == 4


def test_html_report_with_placeholders(horde, locustfile, demo_shop, tmp_path):
    locustfile(READER)
    result = horde(
        "--headless",
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        "2s",
        "-H",
        demo_shop,
        "--html",
        "reports/run_{u}_{r}_{t}.html",
    )
    assert result.code == 0, result.stderr
    page = (tmp_path / "reports" / "run_2_2_2.html").read_text()
    assert page.startswith("<!DOCTYPE html>") or page.lstrip().lower().startswith("<!doctype html")
    assert "/health" in page
    assert "HTML report written to reports/run_2_2_2.html" in result.stderr


def test_a_step_load_cut_short_by_the_run_time_still_gets_its_report(
    horde, locustfile, demo_shop, tmp_path
):
    import json

    locustfile(READER)
    result = horde(
        *("--headless", "--step-users", "2", "--step-time", "2s", "-u", "10", "-t", "5s"),
        *("-H", demo_shop, "--html", "report.html", "--summary-json", "summary.json"),
    )
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "report.html").read_text().lstrip().lower().startswith("<!doctype html")
    steps = json.loads((tmp_path / "summary.json").read_text())["steps"]
    # The last step was still climbing when -t ended the run: it ends with the run.
    assert [step["users"] for step in steps] == [2, 4, 6]
    assert all(step["end"] is not None for step in steps)
    assert steps[-1]["end"] - steps[-1]["start"] < 2
