import sys

import pytest

import horde
import horde.distributed
import horde.engine
from horde.compat import locust_alias


def test_locust_imports_resolve_to_horde_during_a_run():
    with locust_alias():
        import locust
        from locust import HttpUser, between, events, task
        from locust.contrib.fasthttp import FastHttpUser
        from locust.env import Environment
        from locust.exception import StopUser
        from locust.runners import STATE_RUNNING, LocalRunner, WorkerRunner
        from locust.user.markov_taskset import InvalidTransitionError, MarkovTaskSet
        from locust.user.wait_time import constant

        assert HttpUser is horde.HttpUser
        assert FastHttpUser is horde.FastHttpUser
        assert between is horde.between
        assert events is horde.events
        assert task is horde.task
        assert Environment is horde.engine.Environment
        assert StopUser is horde.exceptions.StopUser
        assert isinstance(object.__new__(horde.engine.LocalRunner), LocalRunner)
        assert STATE_RUNNING == "running"
        assert not issubclass(LocalRunner, WorkerRunner)
        assert constant is horde.constant
        assert MarkovTaskSet is horde.MarkovTaskSet is locust.MarkovTaskSet
        assert issubclass(InvalidTransitionError, horde.exceptions.LocustError)
        assert locust.__name__ == "horde.compat.locust"
    assert "locust" not in sys.modules or sys.modules["locust"].__name__ != "horde.compat.locust"


def test_web_imports_for_a_locustfile_whose_web_ui_branch_is_skipped():
    """Locust's ``examples/events.py``: ``from locust import web``, then ``if
    environment.web_ui:`` (always None in horde)."""
    with locust_alias():
        from locust import web

        with pytest.raises(horde.exceptions.UsageError, match=r"no web UI yet.*--headless"):
            web.WebUI(horde.engine.Environment())


def test_unknown_locust_module_is_an_import_error():
    with locust_alias(), pytest.raises(ImportError):
        import locust.no_such_module  # noqa: F401


def test_modules_keep_their_own_spec():
    with locust_alias():
        import locust.env

        assert locust.env.__spec__.name == "horde.compat.locust.env"


def test_runner_classes_tell_a_master_a_worker_and_a_local_run_apart():
    with locust_alias():
        from locust.runners import (
            DistributedRunner,
            LocalRunner,
            MasterRunner,
            Runner,
            WorkerRunner,
        )

    runners = {
        "local": object.__new__(horde.engine.LocalRunner),
        "master": object.__new__(horde.distributed.MasterRunner),
        "worker": object.__new__(horde.distributed.WorkerRunner),
    }
    expected = {
        Runner: {"local", "master", "worker"},
        LocalRunner: {"local"},
        DistributedRunner: {"master", "worker"},
        MasterRunner: {"master"},
        WorkerRunner: {"worker"},
    }
    for cls, kinds in expected.items():
        assert {kind for kind, runner in runners.items() if isinstance(runner, cls)} == kinds
        assert {kind for kind, runner in runners.items() if issubclass(type(runner), cls)} == kinds


def test_classes_derived_from_the_runner_bases_match_as_usual():
    with locust_alias():
        from locust.runners import DistributedRunner, LocalRunner

    class MyDistributed(DistributedRunner):
        pass

    class Deeper(MyDistributed):
        pass

    class MyLocal(LocalRunner):
        pass

    assert issubclass(DistributedRunner, DistributedRunner)
    assert issubclass(LocalRunner, LocalRunner)
    assert isinstance(Deeper(), MyDistributed)
    assert issubclass(Deeper, MyDistributed)
    assert isinstance(MyDistributed(), DistributedRunner)
    assert not isinstance(object.__new__(horde.distributed.MasterRunner), MyDistributed)
    assert not isinstance(object.__new__(horde.engine.LocalRunner), MyLocal)
    assert not issubclass(horde.engine.LocalRunner, MyLocal)
    assert isinstance(object.__new__(MyLocal), LocalRunner)
