"""Each package's public names are listed, sorted, and really exported."""

import importlib

import pytest

PACKAGES = [
    "horde",
    "horde.cli",
    "horde.compat",
    "horde.demo",
    "horde.engine",
    "horde.event",
    "horde.http",
    "horde.report",
    "horde.runtime",
    "horde.stats",
    "horde.user",
]


def isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then the rest, as ruff's RUF022 sorts ``__all__``."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_exported(name):
    module = importlib.import_module(name)
    exported = module.__all__
    assert exported == sorted(exported, key=isort_key)
    for member in exported:
        assert hasattr(module, member), f"{name}.{member}"


def test_locust_names_are_all_there():
    from horde.compat import locust_alias

    with locust_alias():
        import locust

        expected = {
            "FastHttpUser",
            "HttpLocust",
            "HttpUser",
            "LoadTestShape",
            "Locust",
            "MarkovTaskSet",
            "SequentialTaskSet",
            "TaskSet",
            "User",
            "__version__",
            "between",
            "constant",
            "constant_pacing",
            "constant_throughput",
            "events",
            "poisson",
            "run_single_user",
            "tag",
            "task",
            "transition",
            "transitions",
            "wait_time",
        }
        assert expected <= set(locust.__all__)
