import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "name", ["horde.report", "horde.report._console", "horde.report._csv", "horde.report._checks"]
)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
