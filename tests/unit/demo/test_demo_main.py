"""``python -m horde.demo``'s command line (without serving)."""

from __future__ import annotations

import pytest

from horde.demo import DemoConfig
from horde.demo import _cli as entry


@pytest.fixture
def served(monkeypatch):
    """Replace ``serve`` with a recorder; returns the calls."""
    calls = []
    monkeypatch.setattr(
        entry, "serve", lambda *args, **kwargs: calls.append((args, kwargs)), raising=True
    )
    for variable in ("HORDE_DEMO_POOL_CONNECTIONS", "HORDE_DEMO_STALL_PERIOD_S"):
        monkeypatch.delenv(variable, raising=False)
    return calls


def test_defaults(served):
    assert entry.main([]) == 0
    assert served == [(("127.0.0.1", 8000, "healthy", DemoConfig()), {"data_dir": None})]


def test_options(served, tmp_path):
    argv = ["--host", "0.0.0.0", "--port", "0", "--profile", "slow-query"]
    argv += ["--data-dir", str(tmp_path), "--activity-rows-per-request", "50"]
    entry.main(argv)
    ((args, kwargs),) = served
    assert args == ("0.0.0.0", 0, "slow-query", DemoConfig(activity_rows_per_request=50))
    assert kwargs == {"data_dir": tmp_path}


def test_options_win_over_the_environment(served, monkeypatch):
    monkeypatch.setenv("HORDE_DEMO_POOL_CONNECTIONS", "2")
    monkeypatch.setenv("HORDE_DEMO_STALL_PERIOD_S", "3")
    entry.main(["--profile", "pool", "--pool-connections", "6"])
    config = served[0][0][3]
    assert (config.pool_connections, config.stall_period_s) == (6, 3.0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--profile", "turbo"], "invalid choice: 'turbo'"),
        (["--pool-connections", "two"], "pool_connections must be an integer"),
        (["--stall-period-s", "1", "--stall-duration-s", "2"], "must be shorter"),
        (["--pool-connections", "0"], "must be greater than 0"),
        (["--data-dir", "/nonexistent/demo"], "--data-dir /nonexistent/demo: no such folder"),
    ],
)
def test_usage_errors_exit_2_with_a_message(served, capsys, argv, message):
    with pytest.raises(SystemExit) as exited:
        entry.main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert served == []


def test_unknown_profile_lists_the_valid_ones(served, capsys):
    with pytest.raises(SystemExit):
        entry.main(["--profile", "gc"])
    assert "healthy" in capsys.readouterr().err


def test_bad_environment_exits_2(served, capsys, monkeypatch):
    monkeypatch.setenv("HORDE_DEMO_POOL_CONNECTIONS", "lots")
    with pytest.raises(SystemExit) as exited:
        entry.main([])
    assert exited.value.code == 2
    assert "HORDE_DEMO_POOL_CONNECTIONS" in capsys.readouterr().err
