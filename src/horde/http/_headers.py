"""Case-insensitive header mappings, and the cached wire form of a session's headers."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from horde.http._errors import InvalidHeader

__all__ = [
    "CaseInsensitiveDict",
    "HeaderSnapshot",
    "Overrides",
    "header_value",
    "merge_headers",
    "render_headers",
]


def header_value(name: str, value: object) -> str:
    """``value`` as a header string; bytes are latin-1, like http.client sends them.

    Raises:
        InvalidHeader: The name or value holds a line break, which would split the request.
    """
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    if "\n" in text or "\r" in text or "\n" in name or "\r" in name or ":" in name:
        raise InvalidHeader(f"Invalid header {name!r}: {text!r} (line breaks are not allowed)")
    return text


class CaseInsensitiveDict(MutableMapping[str, str]):
    """A ``dict`` of headers whose keys ignore case but keep the spelling last set.

    Example:
        >>> headers = CaseInsensitiveDict({"Content-Type": "text/plain"})
        >>> headers["content-type"]
        'text/plain'
        >>> headers.update({"Authorization": "Bearer x"})
        >>> list(headers)
        ['Content-Type', 'Authorization']
    """

    __slots__ = ("_snapshot", "_store")

    def __init__(self, data: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        self._store: dict[str, tuple[str, Any]] = {}
        self._snapshot: HeaderSnapshot | None = None
        if data is not None:
            self.update(data)

    def __setitem__(self, key: str, value: Any) -> None:
        self._store[key.lower()] = (key, value)
        self._snapshot = None

    def __getitem__(self, key: str) -> Any:
        return self._store[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]
        self._snapshot = None

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._store

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return dict(self.lower_items()) == dict(CaseInsensitiveDict(other).lower_items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def lower_items(self) -> Iterator[tuple[str, Any]]:
        """``(lower-case name, value)`` pairs."""
        return ((lower, pair[1]) for lower, pair in self._store.items())

    def copy(self) -> CaseInsensitiveDict:
        """A shallow copy."""
        return CaseInsensitiveDict(self._store.values())

    def snapshot(self) -> HeaderSnapshot:
        """The headers as they go on the wire, rebuilt only after a change.

        Sessions whose headers are equal share one snapshot (see :func:`_shared_snapshot`).
        """
        snapshot = self._snapshot
        if snapshot is None:
            snapshot = self._snapshot = _shared_snapshot(self._store.values())
        return snapshot


class HeaderSnapshot:
    """An immutable copy of a session's headers plus their rendered wire block.

    Rendering headers is the costliest part of building a request, so each session keeps
    one snapshot and renders it again only when its ``headers`` change.
    """

    __slots__ = ("__weakref__", "block", "items", "lower", "wire_cache")

    def __init__(self, pairs: Iterable[tuple[str, Any]]) -> None:
        items = [(name, header_value(name, value)) for name, value in pairs if value is not None]
        self.items: tuple[tuple[str, str], ...] = tuple(items)
        self.lower: frozenset[str] = frozenset(name.lower() for name, _ in items)
        self.block: str = "".join(f"{name}: {value}\r\n" for name, value in items)
        self.wire_cache: dict[str, bytes] = {}
        """Requests without body or headers of their own, as bytes, by "method host path":
        a load test sends the same few again and again (see ``PreparedRequest.wire``)."""


_SNAPSHOTS: weakref.WeakValueDictionary[tuple[tuple[str, str], ...], HeaderSnapshot] = (
    weakref.WeakValueDictionary()
)


def _shared_snapshot(pairs: Iterable[tuple[str, Any]]) -> HeaderSnapshot:
    """The snapshot of ``pairs``, shared with every session whose headers are the same.

    Thousands of users usually send the same headers: one snapshot (and one cache of
    rendered requests) serves them all, instead of a copy per user kept in memory and
    rendered again by each.
    """
    items = tuple((name, header_value(name, value)) for name, value in pairs if value is not None)
    snapshot = _SNAPSHOTS.get(items)
    if snapshot is None:
        snapshot = _SNAPSHOTS[items] = HeaderSnapshot(items)
    return snapshot


Overrides = dict[str, tuple[str, str | None]]
"""Request-level headers over a snapshot: lower-case name to (name, value or None to drop)."""


def merge_headers(base: HeaderSnapshot, overrides: Overrides | None) -> list[tuple[str, str]]:
    """The headers a request sends: ``base`` with ``overrides`` applied."""
    if not overrides:
        return list(base.items)
    merged = [(name, value) for name, value in base.items if name.lower() not in overrides]
    merged.extend((name, value) for name, value in overrides.values() if value is not None)
    return merged


def render_headers(base: HeaderSnapshot, overrides: Overrides | None) -> str:
    """The header lines of a request, ``Name: value\\r\\n`` each."""
    if not overrides:
        return base.block
    if base.lower.isdisjoint(overrides):
        extra = "".join(f"{n}: {v}\r\n" for n, v in overrides.values() if v is not None)
        return base.block + extra
    return "".join(f"{name}: {value}\r\n" for name, value in merge_headers(base, overrides))
