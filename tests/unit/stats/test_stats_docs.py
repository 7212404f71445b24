import doctest
import importlib

import pytest

MODULES = [
    "horde.stats",
    "horde.stats._compat",
    "horde.stats._entry",
    "horde.stats._errors",
    "horde.stats._histogram",
    "horde.stats._request_stats",
    "horde.stats._series",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
