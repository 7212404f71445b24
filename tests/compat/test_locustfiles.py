"""Real locustfiles, written for Locust, run by the ``horde`` command against the demo shop."""

import csv
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent / "locustfiles"


def rows(path):
    with open(path, newline="") as handle:
        return {(row["Type"], row["Name"]): row for row in csv.DictReader(handle)}


@pytest.fixture
def run_locustfile(horde, tmp_path, demo_shop):
    def run(name, *args, seconds="3s"):
        shutil.copy(HERE / name, tmp_path / name)
        result = horde(
            "-f",
            name,
            "--headless",
            "-H",
            demo_shop,
            "-t",
            seconds,
            "--csv",
            "out",
            "--only-summary",
            *args,
        )
        stats = rows(tmp_path / "out_stats.csv")
        return result, stats

    return run


def test_quickstart(run_locustfile):
    result, stats = run_locustfile("quickstart.py", "-u", "5", "-r", "5")
    assert result.code == 0, result.stderr
    assert int(stats[("POST", "/api/auth/login")]["Request Count"]) == 5
    details = int(stats[("GET", "/api/products/[id]")]["Request Count"])
    assert details > int(stats[("GET", "/health")]["Request Count"])


def test_pytest_style_functions_run_as_users_of_their_own(run_locustfile, tmp_path):
    result, stats = run_locustfile("pytest_style.py", "-u", "3", "-r", "3")
    assert result.code == 1, result.stderr  # the 404s failed, as the function expects
    spawned = '{"test_asserting": 1, "test_browse": 1, "test_fast": 1}'
    assert f"All users spawned: {spawned}" in result.stderr
    assert result.stderr.count("Traceback") == 1  # the assert's, once: its user ended
    assert int(stats[("GET", "/health")]["Request Count"]) > 1  # called again and again
    missing = stats[("GET", "/api/products/999999")]
    assert missing["Request Count"] == missing["Failure Count"] != "0"
    assert int(stats[("GET", "/api/products/[id]")]["Request Count"]) > 1  # fastsession
    assert stats[("GET", "/api/products/1")]["Failure Count"] == "0"
    assert ("GET", "/never-reached") not in stats  # raise_for_status ended that call
    assert ("GET", "/never-called") not in stats
    assert stats[("GET", "asserted")]["Request Count"] == "1"  # its user ended there
    exceptions = (tmp_path / "out_exceptions.csv").read_text()
    assert "1,no such product" in exceptions.replace('"', "")


def test_a_pytest_style_function_with_an_unknown_fixture_is_refused(horde, tmp_path):
    (tmp_path / "lf.py").write_text("def test_x(session, db):\n    pass\n")
    result = horde("-f", "lf.py", "--headless", "-H", "http://127.0.0.1:1", "-t", "1s")
    assert result.code == 1
    assert "Locustfile 'lf.py': test_x takes 'db': horde gives pytest-style" in result.stderr


def test_tasksets_and_shadowed_user_name(run_locustfile):
    result, stats = run_locustfile("tasksets.py", "-u", "3", "-r", "3")
    assert result.code == 0, result.stderr
    for key in [("GET", "/health"), ("GET", "/api/products"), ("GET", "/api/products/[id]")]:
        assert int(stats[key]["Request Count"]) > 0, key


def test_markov_task_set_follows_its_chain_and_survives_tag_filtering(run_locustfile):
    # Six users: the chance that none picks the dashboard first is 1 in 4,096.
    result, stats = run_locustfile("markov.py", "-u", "6", "-r", "6", "--tags", "admin")
    assert result.code == 0, result.stderr
    assert int(stats[("POST", "/api/auth/login")]["Request Count"]) >= 1
    assert int(stats[("GET", "/admin/dashboard")]["Request Count"]) > 0
    home, browse, detail = (
        int(stats[("GET", name)]["Request Count"])
        for name in ("/health", "/api/products", "/api/products/[id]")
    )
    # The chain's stationary shares are 2:4:3 (home, browse, detail).
    assert browse > detail > home > 0


def test_manual_request_events_and_measure(run_locustfile, tmp_path):
    result, stats = run_locustfile("manual_stats.py", "-u", "2", "-r", "2", seconds="2s")
    assert result.code == 1  # the measured failures
    assert int(stats[("manual", "compute")]["Failure Count"]) == 0
    measured = stats[("manual", "measured")]
    assert int(measured["Failure Count"]) == int(measured["Request Count"]) > 0
    assert "ValueError('measured failure')" in (tmp_path / "out_failures.csv").read_text()


def test_fast_http_rest(run_locustfile, tmp_path):
    result, stats = run_locustfile("fast_rest.py", "-u", "2", "-r", "2", seconds="2s")
    assert result.code == 1
    assert int(stats[("GET", "/api/products/3")]["Failure Count"]) == 0
    assert int(stats[("GET", "/api/products/999999")]["Failure Count"]) > 0
    assert "missing product" in (tmp_path / "out_failures.csv").read_text()


def test_load_shape_stages(run_locustfile):
    result, _ = run_locustfile("shape_stages.py", seconds="30s")
    assert result.code == 0, result.stderr
    assert "Shape test updating to 2 users at 10.00 spawn rate" in result.stderr
    assert "Shape test updating to 5 users at 10.00 spawn rate" in result.stderr
    assert "Shape test stopping" in result.stderr
    assert "--run-time limit reached" not in result.stderr  # the shape ended the run


def test_custom_options_messages_and_exit_code(horde, tmp_path):
    shutil.copy(HERE / "custom_options.py", tmp_path / "lf.py")
    result = horde(
        "-f",
        "lf.py",
        "--headless",
        "-u",
        "1",
        "-t",
        "1s",
        "--shop-name",
        "corner",
        "--exit-with",
        "7",
    )
    assert result.code == 7, result.stderr
    assert "SHOP corner" in result.stdout
    assert "MESSAGE {'from': 'test_start'}" in result.stdout
    assert "Shutting down (exit code 7)" in result.stderr


def test_custom_option_from_a_config_file(horde, tmp_path):
    shutil.copy(HERE / "custom_options.py", tmp_path / "lf.py")
    (tmp_path / "locust.conf").write_text("shop-name = from-conf\n")
    result = horde("-f", "lf.py", "--headless", "-u", "1", "-t", "1s")
    assert result.code == 0, result.stderr
    assert "SHOP from-conf" in result.stdout


def test_custom_option_from_its_env_var(horde, tmp_path):
    shutil.copy(HERE / "custom_options.py", tmp_path / "lf.py")
    result = horde(
        "-f", "lf.py", "--headless", "-u", "1", "-t", "1s", env={"LOCUST_SHOP_NAME": "env"}
    )
    assert result.code == 0, result.stderr
    assert "SHOP env" in result.stdout


def test_stop_test_in_task_ends_only_that_user(run_locustfile):
    result, stats = run_locustfile("stop_test_in_task.py", "-u", "3", "-r", "3", seconds="2s")
    assert result.code == 0, result.stderr  # StopTest in a task is not an error
    assert stats[("GET", "/health")]["Request Count"] == "3"  # one pass per user
    assert stats[("GET", "/health")]["Failure Count"] == "0"  # success() came last
    assert stats[("GET", "/api/products/0")]["Failure Count"] == "0"


def test_gevent_spawn_sleep_and_semaphore(run_locustfile):
    result, stats = run_locustfile("gevent_checker.py", "-u", "4", "-r", "4", seconds="60s")
    assert result.code == 0, result.stderr
    assert "CHECKER quitting" in result.stdout
    assert "--run-time limit reached" not in result.stderr  # the checker ended it
    assert int(stats[("GET", "/health")]["Request Count"]) >= 20


def test_a_gevent_group_sends_concurrent_requests_from_a_task(run_locustfile):
    result, stats = run_locustfile("concurrent_group.py", "-u", "2", "-r", "2", seconds="2s")
    assert result.code in (0, 1), result.stderr  # the cart may refuse a guest
    assert "Traceback" not in result.stderr
    counts = {
        name: int(stats[(method, name)]["Request Count"])
        for method, name in [
            ("GET", "/api/products/[id]"),
            ("GET", "/api/products"),
            ("GET", "/health"),
            ("POST", "after the group"),
        ]
    }
    assert counts["/api/products/[id]"] >= 2
    # Each task joins its group before its last request: every group was complete, but
    # for those the end of the run cut short (one a user at most).
    grouped = [counts["/api/products/[id]"], counts["/api/products"], counts["/health"]]
    assert max(grouped) - min(grouped) <= 2, counts
    assert min(grouped) >= counts["after the group"] >= max(grouped) - 2, counts


def test_users_share_test_data_through_a_gevent_queue(run_locustfile):
    result, stats = run_locustfile("shared_accounts.py", "-u", "4", "-r", "4", seconds="2s")
    assert result.code == 0, result.stderr
    logins = {name for (method, name) in stats if name.startswith("login ")}
    assert logins == {f"login user{n}@example.com" for n in (1, 2, 3)}
    for n in (1, 2, 3):
        assert int(stats[("POST", f"login user{n}@example.com")]["Request Count"]) == 1
    assert int(stats[("GET", "health without an account")]["Request Count"]) > 0
    assert "ACCOUNTS BACK: 3" in result.stdout


@pytest.mark.parametrize("processes", [[], ["--processes", "1"]], ids=["local", "worker"])
def test_event_listeners_may_wait_as_under_gevent(run_locustfile, processes):
    result, stats = run_locustfile("blocking_listeners.py", "-u", "2", "-r", "2", *processes)
    assert result.code == 0, result.stderr
    assert "TICKER DEAD: True, TICKS: True" in result.stdout
    assert "UsageError" not in result.stderr
    assert int(stats[("GET", "/health")]["Request Count"]) > 0


def test_a_locustfile_using_requests_catches_the_client_errors_by_its_names(run_locustfile):
    result, stats = run_locustfile("uses_requests.py", "-u", "2", "-r", "2", seconds="2s")
    assert result.code == 0, result.stderr
    assert "CAUGHT HTTPError 404" in result.stdout
    assert "SENT Basic YW5uOnNlY3JldA==" in result.stdout  # ann:secret
    missing = stats[("GET", "missing product")]
    assert int(missing["Request Count"]) > 0
    assert int(missing["Failure Count"]) == 0
    assert int(stats[("GET", "/health")]["Failure Count"]) == 0
