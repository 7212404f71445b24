import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "name", ["horde.cli._outputs", "horde.cli._timespan", "horde.cli._config", "horde.cli._parser"]
)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    assert result.attempted > 0
