"""Per-request options: a request that sets none shares the session's resolved ones."""

from __future__ import annotations

import pytest

from horde.event import EventHook
from horde.http import FastHttpSession, HttpSession


@pytest.mark.parametrize("session_class", [HttpSession, FastHttpSession])
def test_a_request_setting_nothing_reuses_the_session_options(session_class):
    # FastHttpSession passes stream=False rather than None: still the defaults, so the
    # options are not rebuilt for every request.
    session = session_class("http://127.0.0.1:1", EventHook())
    stream = False if session_class is FastHttpSession else None
    first = session.resolve_options(None, True, None, stream, None, None)
    assert session.resolve_options(None, True, None, stream, None, None) is first
    assert first.stream is False


def test_options_that_differ_from_the_session_are_resolved_anew():
    session = FastHttpSession("http://127.0.0.1:1", EventHook())
    default = session.resolve_options(None, True, None, False, None, None)
    streamed = session.resolve_options(None, True, None, True, None, None)
    assert streamed is not default
    assert streamed.stream is True
    session.stream = True  # the session's own default changed: its options follow
    assert session.resolve_options(None, True, None, None, None, None).stream is True
    assert session.resolve_options(None, True, None, False, None, None).stream is False
