import doctest
import importlib

import pytest

MODULES = [
    "horde.distributed._codec",
    "horde.distributed._placement",
    "horde.distributed._worker",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
