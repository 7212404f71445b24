import sys

import pytest

import horde
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
        assert LocalRunner is horde.engine.LocalRunner
        assert STATE_RUNNING == "running"
        assert not issubclass(LocalRunner, WorkerRunner)
        assert constant is horde.constant
        assert MarkovTaskSet is horde.MarkovTaskSet is locust.MarkovTaskSet
        assert issubclass(InvalidTransitionError, horde.exceptions.LocustError)
        assert locust.__name__ == "horde.compat.locust"
    assert "locust" not in sys.modules or sys.modules["locust"].__name__ != "horde.compat.locust"


def test_unknown_locust_module_is_an_import_error():
    with locust_alias(), pytest.raises(ImportError):
        import locust.no_such_module  # noqa: F401


def test_modules_keep_their_own_spec():
    with locust_alias():
        import locust.env

        assert locust.env.__spec__.name == "horde.compat.locust.env"
