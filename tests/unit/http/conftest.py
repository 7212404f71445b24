"""Fixtures of the HTTP client's unit tests.

The repository root goes on ``sys.path`` so that the shared helpers in ``tests.servers``
import the same way from here and from the integration tests.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import pytest  # noqa: E402
from tests.servers.harness import Recorder  # noqa: E402


@pytest.fixture
def recorder() -> Recorder:
    """A request hook recording what its sink and a listener receive."""
    return Recorder()
