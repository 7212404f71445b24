"""Shared fixtures."""

from __future__ import annotations

import pytest

from horde.event import events


@pytest.fixture(autouse=True)
def _clean_shared_events():
    """Listeners a test adds to the shared ``horde.events`` never leak into the next test."""
    saved = {
        name: list(hook._handlers)
        for name, hook in vars(events).items()
        if hasattr(hook, "_handlers")
    }
    sink = events.request.sink
    errors = events.listener_errors
    yield
    for name, handlers in saved.items():
        getattr(events, name)._handlers[:] = handlers
    events.request.sink = sink
    events.listener_errors = errors
