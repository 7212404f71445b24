"""The HTML report in a real browser: headless Chromium, driven over the DevTools protocol.

The page must draw every chart with no console error, no uncaught exception and no network
request other than the report file itself (it has to open offline). Chromium is Debian's
``chromium`` package (``.ci/run`` installs it); the protocol is spoken over one websocket
with the ``websockets`` package, so no browser download and no driver are needed.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from horde.demo import LOCUSTFILE
from horde.report import build_summary, render_html
from horde.stats import RequestStats

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--remote-debugging-port=0",
    "--window-size=1280,2400",
]
PAGE_TIMEOUT_S = 30.0
EVIL = "</script><img src=x onerror=alert(1)>"


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


@dataclass
class Page:
    """What the browser saw while it loaded and drew one page."""

    url: str
    charts: dict[str, Any]
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)


class DevTools:
    """A minimal DevTools-protocol client: one page target, flattened sessions."""

    def __init__(self, websocket: Any) -> None:
        self.websocket = websocket
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        message_id = next(self.ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        self.websocket.send(json.dumps(message))
        deadline = time.monotonic() + PAGE_TIMEOUT_S
        while True:
            reply = json.loads(self.websocket.recv(timeout=deadline - time.monotonic()))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def wait_for(self, method: str) -> None:
        deadline = time.monotonic() + PAGE_TIMEOUT_S
        while not any(event.get("method") == method for event in self.events):
            self.events.append(json.loads(self.websocket.recv(timeout=deadline - time.monotonic())))


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A headless Chromium; yields its browser-level DevTools websocket URL."""
    executable = find_chromium()
    if executable is None:
        pytest.skip(
            "Chromium is not installed and could not be: install Debian's 'chromium' package "
            "(apt-get install -y chromium; .ci/run does it) to run the browser test"
        )
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield _devtools_url(process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stderr is not None
        process.stderr.close()


def _devtools_url(process: subprocess.Popen[str]) -> str:
    # Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on
    # stderr once it is ready; the port is the free one it picked for port 0.
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if match := re.search(r"DevTools listening on (ws://\S+)", line):
            return match.group(1)
    raise AssertionError("Chromium exited before it listened:\n" + "".join(seen))


def open_in_chromium(devtools_url: str, path: Path) -> Page:
    """Load ``path`` in a fresh tab, wait until its charts are drawn, and report what happened."""
    url = path.resolve().as_uri()
    with connect(devtools_url, max_size=None, open_timeout=PAGE_TIMEOUT_S) as websocket:
        devtools = DevTools(websocket)
        target = devtools.call("Target.createTarget", url="about:blank")["targetId"]
        session = devtools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            devtools.call(f"{domain}.enable", session)
        devtools.events.clear()  # what about:blank did before is not the report's doing
        devtools.call("Page.navigate", session, url=url)
        devtools.wait_for("Page.loadEventFired")
        charts = devtools.call(
            "Runtime.evaluate",
            session,
            expression=CHARTS_PROBE,
            awaitPromise=True,
            returnByValue=True,
        )["result"]["value"]
        devtools.call("Target.closeTarget", targetId=target)
        return _page(url, charts, devtools.events)


# Waits for charts.js to mark the body, then describes every chart <div>.
CHARTS_PROBE = """
new Promise((resolve) => {
  const started = Date.now();
  const look = () => {
    const state = document.body.getAttribute("data-charts");
    if (state || Date.now() - started > 20000) {
      resolve({
        state: state,
        charts: Array.from(document.querySelectorAll("div.chart")).map((div) => ({
          id: div.id,
          plotted: div.classList.contains("js-plotly-plot"),
          svgs: div.querySelectorAll("svg.main-svg").length,
          traces: div.querySelectorAll("g.trace").length,
        })),
        images: document.querySelectorAll("img").length,
        title: document.title,
      });
    } else {
      setTimeout(look, 50);
    }
  };
  look();
})
"""


def _page(url: str, charts: dict[str, Any], events: list[dict[str, Any]]) -> Page:
    page = Page(url=url, charts=charts)
    for event in events:
        params = event.get("params", {})
        match event.get("method"):
            case "Network.requestWillBeSent":
                page.requests.append(params["request"]["url"])
            case "Runtime.consoleAPICalled" if params.get("type") in {"error", "assert"}:
                page.console_errors.append(json.dumps(params.get("args")))
            case "Log.entryAdded" if params["entry"].get("level") == "error":
                page.console_errors.append(params["entry"].get("text", ""))
            case "Runtime.exceptionThrown":
                page.exceptions.append(json.dumps(params["exceptionDetails"]))
    return page


def synthetic_summary() -> dict[str, Any]:
    """A step load with a cliff at 150 users, failures, checks, and a hostile endpoint name."""
    stats = RequestStats()
    for name in ("/api/products", "/api/cart", EVIL):
        stats.record("GET", name, 12.0, 512, None)
    stats.record("GET", EVIL, 40.0, 0, RuntimeError(EVIL))
    summary = build_summary(
        stats, metadata={"host": "http://shop.test/<b>", "locustfile": "shop.py", "exit_code": 0}
    )
    start = 1_795_832_000.0
    aggregate, per_endpoint = [], {}
    for second in range(1, 41):
        users = 50 * ((second - 1) // 10 + 1)
        p95 = 20.0 if users < 150 else 20.0 + (second - 20) * 15.0
        sample = {
            "timestamp": start + second,
            "user_count": users,
            "requests": users,
            "failures": 0 if users < 200 else 5,
            "rps": users * 1.0 if users < 150 else 150.0,
            "fail_per_sec": 0.0 if users < 200 else 5.0,
            "p50": p95 / 2,
            "p95": p95,
            "p99": p95 * 1.5,
            "max": p95 * 2,
            "avg": p95 / 2,
        }
        aggregate.append(sample)
        for key in ("GET /api/products", "GET /api/cart", f"GET {EVIL}"):
            per_endpoint.setdefault(key, []).append(sample)
    summary["series"] = {"aggregate": aggregate, "endpoints": per_endpoint}
    summary["steps"] = [
        {"users": 50 * (index + 1), "start": start + 10 * index, "end": start + 10 * (index + 1)}
        for index in range(4)
    ]
    summary["checks"] = [{"check": "p95<100", "value": 95.0, "passed": True}]
    summary["analysis"] = {
        "pattern": "cliff",
        "graceful": False,
        "saturation": {"users": 150, "rps": 150.0},
        "bottleneck_endpoint": f"GET {EVIL}",
        "period_s": None,
        "evidence": {"p95_before_ms": 20.0, "p95_after_ms": 320.0, "note": EVIL},
        "story": f"Fine up to 100 users, then latency jumps. {EVIL}",
        "fix": "Look for an exhausted pool.",
    }
    return summary


def assert_clean(page: Page, expected_charts: set[str]) -> None:
    assert page.exceptions == []
    assert page.console_errors == []
    assert page.requests == [page.url], "the report fetched something besides itself"
    assert page.charts["state"] == "ready"
    assert page.charts["images"] == 0  # the hostile <img> stayed text
    drawn = {chart["id"] for chart in page.charts["charts"]}
    assert drawn == expected_charts
    for chart in page.charts["charts"]:
        assert chart["plotted"], chart
        assert chart["svgs"] >= 1, chart
        assert chart["traces"] >= 1, chart


ALL_CHARTS = {
    "chart-users",
    "chart-throughput",
    "chart-latency",
    "chart-endpoints",
    "chart-capacity",
}


def test_synthetic_report_draws_every_chart_offline(chromium, tmp_path):
    report = tmp_path / "report.html"
    report.write_text(render_html(synthetic_summary()), encoding="utf-8")
    page = open_in_chromium(chromium, report)
    assert_clean(page, ALL_CHARTS)
    assert page.charts["title"] == "horde report: http://shop.test/<b>"


def test_report_of_a_real_step_load_draws_every_chart_offline(chromium, demo_shop, horde, tmp_path):
    result = horde(
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--step-users",
        "10",
        "--step-time",
        "2s",
        "-u",
        "20",
        "-H",
        demo_shop,
        "--summary-json",
        str(tmp_path / "summary.json"),
    )
    assert result.code == 0, result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    report = tmp_path / "report.html"
    report.write_text(render_html(summary), encoding="utf-8")
    page = open_in_chromium(chromium, report)
    assert_clean(page, ALL_CHARTS)
