import pytest

from horde.engine import ArrivalCounts
from horde.exceptions import ConfigError
from horde.report import checks_table, evaluate_checks, parse_check
from horde.stats import RequestStats


@pytest.fixture
def stats():
    stats = RequestStats(now=lambda: 1000.0)
    for value in range(1, 101):  # 1 .. 100 ms
        stats.record("GET", "/fast", float(value), 10, None)
    for _ in range(10):
        stats.record("POST", "/slow", 900.0, 10, "boom")
    return stats


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        ("p50<60", True),
        ("p50 < 40", False),
        ("avg<200", True),
        ("max<=900", True),
        ("max<900", False),
        ("min>=1", True),
        ("median<100", True),
        ("fail_ratio<0.01", False),
        ("fail_ratio<0.1", True),
        ("failures<=10", True),
        ("requests>=110", True),
        ("p99[GET /fast]<=100", True),
        ("p99[/slow]<800", False),
        ("fail_ratio[POST /slow]>0.5", True),
        ("p95[GET /nowhere]<1", False),  # no data: fails
        ("p99.9<1000", True),
    ],
)
def test_checks_pass_and_fail_where_they_should(stats, text, passed):
    (result,) = evaluate_checks([parse_check(text)], stats)
    assert result.passed is passed, result


@pytest.mark.parametrize(
    "text",
    [
        *("p95", "p95<", "latency<5", "p95<<3", "p95[GET /x<3", "p0<1", "p101<1", "[]<1"),
        *("p95<abc", "corrected_p0<1", "corrected_avg<1", "not_started[/x]<1", "pmax<1"),
        *("p<1", "corrected_pfoo<1"),
    ],
)
def test_malformed_checks_are_clear_errors(text):
    with pytest.raises(ConfigError) as info:
        parse_check(text)
    assert info.value.exit_code == 2
    assert "--check" in str(info.value)


def test_endpoint_with_and_without_method():
    assert parse_check("p99[GET /api/products]<800").endpoint == ("GET", "/api/products")
    # Locust-style names group their variable parts in brackets.
    assert parse_check("p95[GET /api/products/[id]] < 1").endpoint == (
        "GET",
        "/api/products/[id]",
    )
    assert parse_check("avg[/api/products]<800").endpoint == (None, "/api/products")
    assert parse_check("rps>100").endpoint is None


def test_table_says_what_failed(stats):
    results = evaluate_checks([parse_check("p50<60"), parse_check("fail_ratio<0.01")], stats)
    lines = checks_table(results)
    assert lines[0] == "Checks"
    assert any(line.startswith("p50<60") and line.endswith("passed") for line in lines)
    assert any(line.startswith("fail_ratio<0.01") and line.endswith("FAILED") for line in lines)
    assert "1 passed, 1 failed" in lines


def test_open_model_checks_read_the_corrected_latency_and_the_iterations_left():
    stats = RequestStats(now=lambda: 1000.0)
    for value in range(1, 101):  # measured 1 .. 100 ms, each started 1 s late
        stats.record("GET", "/fast", float(value), 10, None)
        stats.record_corrected("GET", "/fast", value + 1000.0)
    counts = ArrivalCounts(scheduled=150, started=100, finished=100)
    checks = [
        parse_check(text)
        for text in (
            "p95<1000",
            "corrected_p95<1000",
            "corrected_p50[GET /fast]>1000",
            "not_started<10",
            "not_started<=50",
        )
    ]
    results = evaluate_checks(checks, stats, counts)
    assert [result.passed for result in results] == [True, False, True, False, True]
    assert results[1].value == pytest.approx(1095, rel=0.01)
    assert results[3].value == 50
    # Iterations lost with a worker that went missing did not start either.
    lost = ArrivalCounts(scheduled=100, started=100, finished=100, lost=7)
    assert evaluate_checks([parse_check("not_started<1")], stats, lost)[0].value == 7


def test_open_model_checks_have_no_data_in_a_closed_model(stats):
    checks = [parse_check("corrected_p95<1000"), parse_check("not_started<1")]
    assert [(r.value, r.passed) for r in evaluate_checks(checks, stats)] == [
        (None, False),
        (None, False),
    ]


def test_which_checks_need_the_open_model_and_which_wait_for_the_end():
    kinds = {
        text: (parse_check(text).open_model, parse_check(text).at_the_end)
        for text in ("p95<1", "corrected_p95<1", "not_started<1")
    }
    assert kinds == {
        "p95<1": (False, False),
        "corrected_p95<1": (True, False),
        "not_started<1": (True, True),
    }
