"""Fixtures of the HTTP client's unit tests (``tests.servers`` imports through pytest's
``pythonpath``)."""

import pytest
from tests.servers.harness import Recorder


@pytest.fixture
def recorder() -> Recorder:
    """A request hook recording what its sink and a listener receive."""
    return Recorder()
