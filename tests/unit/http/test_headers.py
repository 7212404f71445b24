import gc
import weakref

import pytest

from horde.http import CaseInsensitiveDict, InvalidHeader
from horde.http._headers import HeaderSnapshot, header_value, merge_headers, render_headers
from horde.http._response import PreparedRequest
from horde.http._url import parse_target


def test_case_insensitive_dict_keeps_last_spelling():
    headers = CaseInsensitiveDict({"content-type": "a"})
    headers["Content-Type"] = "b"
    assert headers["CONTENT-TYPE"] == "b"
    assert list(headers) == ["Content-Type"]
    assert "content-TYPE" in headers
    assert 1 not in headers
    del headers["content-type"]
    assert len(headers) == 0
    with pytest.raises(KeyError):
        headers["missing"]


def test_case_insensitive_dict_equality_copy_and_repr():
    headers = CaseInsensitiveDict([("A", "1")])
    assert headers == {"a": "1"}
    assert headers != {"a": "2"}
    assert headers != 5
    copy = headers.copy()
    copy["b"] = "2"
    assert "b" not in headers
    assert repr(headers) == "{'A': '1'}"
    assert headers.get("x", "default") == "default"
    assert list(headers.lower_items()) == [("a", "1")]


def test_snapshot_is_cached_until_a_change():
    headers = CaseInsensitiveDict({"A": "1"})
    first = headers.snapshot()
    assert headers.snapshot() is first
    assert first.block == "A: 1\r\n"
    headers.update({"B": "2"})
    second = headers.snapshot()
    assert second is not first
    assert second.block == "A: 1\r\nB: 2\r\n"
    del headers["a"]
    assert headers.snapshot().block == "B: 2\r\n"


def test_sessions_with_the_same_headers_share_one_snapshot():
    first = CaseInsensitiveDict({"Accept": "*/*", "User-Agent": "horde-test-share"})
    second = CaseInsensitiveDict({"Accept": "*/*", "User-Agent": "horde-test-share"})
    shared = first.snapshot()
    assert second.snapshot() is shared  # one snapshot, one render cache, for both
    second["User-Agent"] = "other"
    assert second.snapshot() is not shared
    assert second.snapshot().block == "Accept: */*\r\nUser-Agent: other\r\n"
    assert first.snapshot() is shared  # the other session's change does not leak
    assert shared.block == "Accept: */*\r\nUser-Agent: horde-test-share\r\n"
    # Held weakly: once no session uses a snapshot, the next one is built afresh.
    probe = weakref.ref(shared)
    del first, second, shared
    gc.collect()
    assert probe() is None


def test_snapshot_skips_none_and_converts_values():
    snapshot = HeaderSnapshot([("A", None), ("B", 3), ("C", b"\xe9")])
    assert snapshot.items == (("B", "3"), ("C", "\xe9"))
    assert snapshot.lower == {"b", "c"}


@pytest.mark.parametrize("value", ["a\r\nInjected: 1", "a\nb"])
def test_header_values_with_line_breaks_are_rejected(value):
    with pytest.raises(InvalidHeader, match="line breaks"):
        header_value("X", value)


def test_header_names_with_colons_are_rejected():
    with pytest.raises(InvalidHeader):
        header_value("X:Y", "v")


def test_render_and_merge_with_overrides():
    base = HeaderSnapshot([("A", "1"), ("B", "2")])
    assert render_headers(base, None) == "A: 1\r\nB: 2\r\n"
    assert render_headers(base, {"c": ("C", "3")}) == "A: 1\r\nB: 2\r\nC: 3\r\n"
    assert render_headers(base, {"a": ("a", "9"), "b": ("B", None)}) == "a: 9\r\n"
    assert merge_headers(base, {"b": ("B", None)}) == [("A", "1")]
    assert merge_headers(base, None) == [("A", "1"), ("B", "2")]


def test_a_request_without_its_own_headers_or_body_is_rendered_once_per_snapshot():
    headers = CaseInsensitiveDict({"Accept": "*/*"})
    target = parse_target("http://h:8/x?y=1")
    first = PreparedRequest("GET", target, headers.snapshot(), None, None).wire(None)
    again = PreparedRequest("GET", target, headers.snapshot(), None, None).wire(None)
    assert first == again == b"GET /x?y=1 HTTP/1.1\r\nHost: h:8\r\nAccept: */*\r\n\r\n"
    assert first is again  # served from the snapshot's cache
    headers["Accept"] = "text/plain"  # a new snapshot: rendered afresh
    changed = PreparedRequest("GET", target, headers.snapshot(), None, None).wire(None)
    assert changed == b"GET /x?y=1 HTTP/1.1\r\nHost: h:8\r\nAccept: text/plain\r\n\r\n"
    post = PreparedRequest("POST", target, headers.snapshot(), None, None).wire(None)
    assert post.startswith(b"POST /x?y=1 ")
    assert b"Content-Length: 0\r\n" in post
    overridden = PreparedRequest("GET", target, headers.snapshot(), {"x-a": ("X-A", "1")}, None)
    assert b"X-A: 1\r\n" in overridden.wire(overridden.overrides)


def test_the_render_cache_stays_small_and_out_of_the_collectors_sight():
    snapshot = CaseInsensitiveDict({"Accept": "*/*"}).snapshot()
    for index in range(100):  # URLs that never repeat (ids in the path)
        target = parse_target(f"http://h:8/item/{index}")
        PreparedRequest("GET", target, snapshot, None, None).wire(None)
    assert 0 < len(snapshot.wire_cache) <= 32
    # Keys and values the collector does not track: a growing cache never makes it run.
    assert not any(gc.is_tracked(key) or gc.is_tracked(v) for key, v in snapshot.wire_cache.items())
