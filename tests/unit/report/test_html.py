"""The HTML report: the story first, every value escaped, nothing fetched, the charts' specs."""

from __future__ import annotations

import doctest
import json
import math
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from horde.exceptions import HordeError
from horde.report import CHECKS_FAILED_EXIT_CODE, build_summary, render_html
from horde.report import _html as html_module
from horde.stats import RequestStats

EVIL = "</script><img src=x onerror=alert(1)>"
START = 1_795_832_000.0


def sample(second: int, users: int, p95: float | None = 20.0, **extra: Any) -> dict[str, Any]:
    return {
        "timestamp": START + second,
        "user_count": users,
        "requests": users,
        "failures": 0,
        "rps": float(users),
        "fail_per_sec": 0.0,
        "p50": None if p95 is None else p95 / 2,
        "p95": p95,
        "p99": None if p95 is None else p95 * 2,
        "max": p95,
        "avg": p95,
        **extra,
    }


ANALYSIS = {
    "pattern": "sawtooth",
    "graceful": True,
    "saturation": {"users": 100, "rps": 95.5},
    "bottleneck_endpoint": "GET /api/products",
    "period_s": 12.5,
    "evidence": {"spike_p95_ms": 480.0, "baseline_p95_ms": 20.0, "spikes": [12, 25, 37]},
    "story": "Every 12.5 s the p95 jumps to 480 ms, then recovers.",
    "fix": "Tune the garbage collector or warm the cache.",
}


def make_summary(
    *, analysis: dict[str, Any] | None = None, names: tuple[str, ...] = ("/api/products",)
) -> dict[str, Any]:
    """A small step load (50 then 100 users) with one request per endpoint name."""
    stats = RequestStats()
    for name in names:
        stats.record("GET", name, 12.0, 100, None)
    summary = build_summary(
        stats,
        metadata={"host": "http://shop.test", "locustfile": "shop.py", "exit_code": 0},
        analysis=analysis,
    )
    aggregate = [sample(second, 50 if second <= 5 else 100) for second in range(1, 11)]
    summary["series"] = {
        "aggregate": aggregate,
        "endpoints": {f"GET {name}": aggregate for name in names},
    }
    summary["steps"] = [
        {"users": 50, "start": START, "end": START + 5},
        {"users": 100, "start": START + 5, "end": START + 10},
    ]
    return summary


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data

    def named(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


def figures(page: str) -> dict[str, Any]:
    """The chart specs, by chart id, as the page's JSON block holds them."""
    block = re.search(r'<script type="application/json" id="horde-figures">(.*?)</script>', page)
    assert block is not None
    return {figure["id"]: figure for figure in json.loads(block.group(1))}


def section(page: str, name: str) -> str:
    match = re.search(rf'<section id="{name}">(.*?)</section>', page, re.DOTALL)
    assert match is not None, name
    return match.group(1)


def test_the_story_comes_first_then_its_numbers_and_the_fix():
    page = render_html(make_summary(analysis=ANALYSIS))
    story = section(page, "story")
    assert "Every 12.5 s the p95 jumps to 480 ms, then recovers." in story
    assert "Sawtooth" in story
    assert "100 users, 95.5 requests/s" in story
    assert "graceful" in story
    assert "<code>GET /api/products</code>" in story
    assert "12.5 s" in story
    assert "Tune the garbage collector or warm the cache." in story
    assert "spike_p95_ms" in story
    assert "[12, 25, 37]" in story
    positions = [page.index(f'<section id="{name}">') for name in ("story", "charts", "requests")]
    assert positions == sorted(positions)
    assert story.index("jumps to 480") < story.index("Tune the garbage")


def test_without_analysis_the_page_says_so():
    page = render_html(make_summary())
    story = section(page, "story")
    assert "No analysis" in story
    assert "badge" not in story
    assert "1 request at" in story
    assert "shapes" not in figures(page)["chart-capacity"]["layout"]


def test_saturation_not_reached_is_said_in_words():
    page = render_html(make_summary(analysis={**ANALYSIS, "saturation": None, "period_s": None}))
    story = section(page, "story")
    assert "not reached in the tested range" in story
    assert "Period" not in story


def test_grace_is_claimed_only_for_a_degradation_and_with_its_failures():
    healthy = {**ANALYSIS, "pattern": "healthy", "saturation": None, "period_s": None}
    story = section(render_html(make_summary(analysis=healthy)), "story")
    assert "<dt>Degradation</dt><dd>none within the tested range</dd>" in story
    failing = {**ANALYSIS, "evidence": {"max_step_failure_ratio": 0.012}}
    story = section(render_html(make_summary(analysis=failing)), "story")
    assert "graceful (slower; at most 1.2% of a step's requests failed)" in story
    story = section(render_html(make_summary(analysis=ANALYSIS)), "story")
    assert "graceful (slower, no request failed)" in story


def test_an_inconclusive_run_claims_no_saturation_nor_grace():
    inconclusive = {**ANALYSIS, "pattern": "inconclusive", "saturation": None, "graceful": True}
    story = section(render_html(make_summary(analysis=inconclusive)), "story")
    assert "unknown: the run cannot tell" in story
    assert "not reached" not in story
    assert "graceful" not in story
    failing = {**inconclusive, "graceful": False}
    story = section(render_html(make_summary(analysis=failing)), "story")
    assert "catastrophic (errors or collapse)" in story


def test_a_run_with_no_requests_renders_a_page_without_charts():
    clock = iter([100.0, 130.0])  # the start, then the end
    summary = build_summary(RequestStats(now=lambda: next(clock)), metadata={})
    # No last request: the run ended when the summary was made, 30 s after it started.
    assert summary["end_time"] is not None
    page = render_html(summary)
    assert '<dt>Duration</dt><dd class="">30 s</dd>' in page
    assert "recorded no requests" in page
    assert figures(page) == {}
    assert 'class="chart"' not in page
    assert "No failures." in page


def test_the_duration_is_the_runs_length_not_up_to_its_last_request():
    clock = iter([100.0, 101.0, 101.0, 101.0, 160.0])
    stats = RequestStats(now=lambda: next(clock, 160.0))
    stats.log_request("GET", "/", 20, 2)  # one request at the start, then a long wait
    assert '<dt>Duration</dt><dd class="">1 min 00 s</dd>' in render_html(
        build_summary(stats, metadata={})
    )
    # The run's end, when known, not the moment the report is made.
    ended = build_summary(stats, metadata={}, end_time=130.0)
    assert '<dt>Duration</dt><dd class="">30 s</dd>' in render_html(ended)


def test_the_charts_over_time_and_against_load():
    charts = figures(render_html(make_summary(analysis=ANALYSIS, names=("/a", "/b"))))
    assert list(charts) == [
        "chart-users",
        "chart-throughput",
        "chart-latency",
        "chart-endpoints",
        "chart-capacity",
    ]
    users = charts["chart-users"]["data"][0]
    assert users["x"][0] == 1.0
    assert users["y"] == [50] * 5 + [100] * 5
    assert [trace["name"] for trace in charts["chart-latency"]["data"]] == ["p50", "p95", "p99"]
    assert [trace["name"] for trace in charts["chart-endpoints"]["data"]] == ["GET /a", "GET /b"]
    capacity = charts["chart-capacity"]
    assert capacity["data"][0]["x"] == [50.0, 100.0]
    assert capacity["data"][2]["y"] == [50.0, 100.0]  # median requests/s per plateau
    assert capacity["layout"]["shapes"][0]["x0"] == 100
    assert "saturation: 100 users, 95.5 req/s" in capacity["layout"]["annotations"][0]["text"]


def test_a_hostile_endpoint_name_stays_text():
    summary = make_summary(analysis={**ANALYSIS, "story": EVIL}, names=(EVIL,))
    summary["host"] = EVIL
    summary["errors"] = [{"method": "GET", "name": EVIL, "error": EVIL, "occurrences": 3}]
    summary["checks"] = [{"check": f"p95[{EVIL}]<5", "value": 12.0, "passed": False}]
    summary["exceptions"] = [{"count": 1, "msg": EVIL, "traceback": EVIL, "nodes": [EVIL]}]
    page = render_html(summary)
    assert EVIL not in page
    tags = Tags(page)
    assert tags.named("img") == []
    assert len(tags.named("script")) == 3  # the chart data, plotly.js, the chart drawing
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in section(page, "failures")
    endpoints = figures(page)["chart-endpoints"]["data"]
    # Plotly shows entities as the characters; it would read tags in a name as markup.
    assert endpoints[0]["name"] == "GET &lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def test_the_chart_data_cannot_close_its_script():
    summary = make_summary(names=(EVIL, "/a&b", "/line\u2028separator"))
    block = re.search(r'id="horde-figures">(.*?)</script>', render_html(summary)).group(1)
    assert "<" not in block
    assert ">" not in block
    assert "&" not in block
    assert "\u2028" not in block


def test_not_a_number_becomes_null_in_the_chart_data():
    summary = make_summary()
    summary["series"]["aggregate"][0]["rps"] = math.nan
    summary["series"]["aggregate"][1]["p95"] = math.inf
    charts = figures(render_html(summary))
    assert charts["chart-throughput"]["data"][0]["y"][0] is None
    assert charts["chart-latency"]["data"][1]["y"][1] is None


def test_the_page_fetches_nothing():
    summary = make_summary(analysis=ANALYSIS)
    summary["host"] = "https://shop.example"
    page = render_html(summary)
    tags = Tags(page)
    assert tags.named("link") == []
    for tag, attrs in tags.tags:
        for name in ("src", "href", "action", "poster", "data", "srcset", "background"):
            value = attrs.get(name) or ""
            assert not re.match(r"\s*(https?:)?//", value), (tag, name, value)
    style = re.search(r"<style>(.*?)</style>", page, re.DOTALL).group(1)
    assert "url(" not in style
    assert "@import" not in style
    policy = next(
        attrs["content"]
        for attrs in tags.named("meta")
        if attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in policy


def test_plotly_is_inlined_from_its_package():
    tags = Tags(render_html(make_summary()))
    plotly = max(tags.scripts, key=len)
    assert "plotly.js" in plotly[:200]
    assert len(plotly) > 1_000_000
    assert all("src" not in attrs for attrs in tags.named("script"))


def test_a_missing_plotly_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(html_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(HordeError, match="pip install plotly"):
        html_module._plotly_js.__wrapped__()


def test_tables_are_sorted_like_the_csv_with_the_aggregate_last():
    summary = make_summary(names=("/b", "/a"))
    summary["endpoints"] = list(reversed(summary["endpoints"]))
    page = render_html(summary)
    for name in ("requests", "percentiles"):
        rows = re.findall(r'<td class="text name">(.*?)</td>', section(page, name))
        assert rows == ["/a", "/b", "Aggregated"]
    header = re.findall(r"<th[^>]*>(.*?)</th>", section(page, "percentiles"))
    assert header[2:] == ["50%", "75%", "90%", "95%", "99%", "99.9%", "100%", "# requests"]


def test_failures_are_listed_most_frequent_first():
    summary = make_summary()
    summary["errors"] = [
        {"method": "GET", "name": "/rare", "error": "HTTPError('500')", "occurrences": 1},
        {"method": "POST", "name": "/often", "error": "ConnectionError()", "occurrences": 9},
    ]
    failures = section(render_html(summary), "failures")
    assert failures.index("/often") < failures.index("/rare")
    assert "HTTPError(&#x27;500&#x27;)" in failures


@pytest.mark.parametrize(
    ("exit_code", "passed", "result"),
    [
        (0, True, "Passed"),
        (0, False, "Checks failed"),
        (CHECKS_FAILED_EXIT_CODE, False, "Checks failed"),
        (1, True, "Failed (exit code 1)"),
    ],
)
def test_the_header_gives_the_result(exit_code, passed, result):
    summary = make_summary()
    summary["exit_code"] = exit_code
    summary["checks"] = [{"check": "p95<100", "value": 20.0, "passed": passed}]
    page = render_html(summary)
    header = re.search(r"<header>(.*?)</header>", page).group(1)
    assert f">{result}</dd>" in header
    assert "http://shop.test" in header
    assert "shop.py" in header
    assert (">pass</td>" if passed else ">FAIL</td>") in section(page, "checks")


def test_without_steps_the_load_levels_are_the_user_counts():
    summary = make_summary()
    summary["steps"] = []
    capacity = figures(render_html(summary))["chart-capacity"]
    assert capacity["data"][0]["x"] == [50.0, 100.0]


def test_a_single_load_level_has_no_chart_against_load():
    summary = make_summary()
    summary["steps"] = []
    for point in summary["series"]["aggregate"]:
        point["user_count"] = 10
    assert "chart-capacity" not in figures(render_html(summary))


def test_the_docstring_example_runs():
    assert doctest.testmod(html_module).failed == 0


def test_a_saturated_generator_is_a_caution_at_the_top_of_the_story():
    summary = make_summary(analysis=ANALYSIS)
    summary["generator"] = {"saturated": True, "caution": f"Caution: the generator {EVIL}"}
    story = section(render_html(summary), "story")
    assert '<p class="caution">Caution: the generator &lt;/script&gt;' in story
    assert story.index("Caution") < story.index("jumps to 480")
    summary["generator"] = {"saturated": False, "caution": None}
    assert "caution" not in section(render_html(summary), "story")


def test_the_open_model_shows_its_counts_and_both_latencies():
    from horde.engine import ArrivalCounts
    from horde.report import open_model_summary

    stats = RequestStats()
    stats.record("GET", "/api/products", 12.0, 100, None)
    stats.record_corrected("GET", "/api/products", 812.0)
    summary = make_summary(analysis=ANALYSIS)
    counts = ArrivalCounts(
        scheduled=700, started=690, finished=680, late=55, max_late_s=0.8, users=4
    )
    summary["open_model"] = open_model_summary(counts, stats)
    page = render_html(summary)
    model = section(page, "open-model")
    assert (
        "700 iterations scheduled, 690 started (55 late, by up to 0.80 s), 10 cut short by "
        "the end of the run (their requests in flight are not in the figures), 10 could"
    ) in model
    on_time = ArrivalCounts(scheduled=700, started=700, finished=700, users=4)
    summary["open_model"] = open_model_summary(on_time, stats)
    quiet = section(render_html(summary), "open-model")
    assert "700 iterations scheduled, 700 started, 0 could not start" in quiet
    assert "failed in on_start" not in quiet
    assert "lost" not in quiet
    lost = ArrivalCounts(scheduled=700, started=700, finished=700, users=4, lost=1200)
    summary["open_model"] = open_model_summary(lost, stats)
    assert "0 could not start, about 1,200 lost with workers that went missing" in section(
        render_html(summary), "open-model"
    )
    one_cut = ArrivalCounts(scheduled=700, started=700, finished=699, users=4)
    summary["open_model"] = open_model_summary(one_cut, stats)
    assert "1 cut short by the end of the run (its requests in flight" in section(
        render_html(summary), "open-model"
    )
    broken = ArrivalCounts(scheduled=20, users=20, start_failures=20)
    summary["open_model"] = open_model_summary(broken, stats)
    failing = section(render_html(summary), "open-model")
    assert "20 could not start (20 pool users failed in on_start)" in failing
    # The headline numbers say the corrected figures too: the measured ones hide the queue.
    story = section(page, "story")
    assert "95th percentile 12 ms" in story
    assert "Corrected for coordinated omission" in story
    assert "95th percentile 812 ms" in story
    assert "Corrected for" not in section(render_html(make_summary()), "story")
    assert '<td class="">12</td>' in model  # measured p50 of /api/products
    assert '<td class="">812</td>' in model  # corrected
    assert page.index('id="charts"') < page.index('id="open-model"') < page.index('id="requests"')
    assert 'id="open-model"' not in render_html(make_summary())


def test_the_saturation_point_is_given_in_the_load_unit():
    analysis = {**ANALYSIS, "load_unit": "iterations/s"}
    page = render_html(make_summary(analysis=analysis))
    assert "100 iterations/s, 95.5 requests/s" in section(page, "story")
    layout = figures(page)["chart-capacity"]["layout"]
    assert "saturation: 100 iterations/s, 95.5 req/s" in layout["annotations"][0]["text"]
    assert "against iterations/s" in json.dumps(layout["title"])
