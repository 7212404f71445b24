"""Failures grouped by error (:class:`StatsError`) and task exceptions (:class:`ExceptionLog`)."""

from __future__ import annotations

import hashlib
from html import escape
from typing import Any, TypedDict

from horde.exceptions import CatchResponseError

__all__ = ["ExceptionLog", "ExceptionRecord", "StatsError", "StatsErrorDict"]

_ADDRESS_MARK = "object at 0x"
_CATCH_RESPONSE_PREFIX = "CatchResponseError("


class StatsErrorDict(TypedDict):
    """The wire form of a :class:`StatsError` (Locust's keys)."""

    name: str
    method: str
    error: str
    occurrences: int
    first_seen: float | None
    last_seen: float | None


class StatsError:
    """How often one error happened on one endpoint.

    Args:
        method: The request type, e.g. ``"GET"``.
        name: The endpoint name.
        error: The exception, or its text (errors arrive as text on a master).
        occurrences: The count so far.
        first_seen: Epoch seconds of the first occurrence.
        last_seen: Epoch seconds of the latest occurrence.

    Example:
        >>> from horde.exceptions import CatchResponseError
        >>> e = StatsError("GET", "/nope", CatchResponseError("Got 404!"))
        >>> e.occurred(1795832190.0)
        >>> e.to_name(), e.occurrences
        ('GET /nope: Got 404!', 1)
    """

    def __init__(  # noqa: PLR0917 - Locust's positional signature
        self,
        method: str,
        name: str,
        error: BaseException | str | None,
        occurrences: int = 0,
        first_seen: float | None = None,
        last_seen: float | None = None,
    ) -> None:
        self.method = method
        self.name = name
        self.error = error
        self.occurrences = occurrences
        self.first_seen = first_seen
        self.last_seen = last_seen

    @classmethod
    def parse_error(cls, error: BaseException | str | None) -> str:
        """Return the error's text: a string as is, anything else as its ``repr()``.

        Memory addresses (``object at 0x7f...>``) become ``0x....`` so errors that differ
        only by address are grouped together.
        """
        text = error if isinstance(error, str) else repr(error)
        mark = text.find(_ADDRESS_MARK)
        if mark < 0:
            return text
        start = mark + len(_ADDRESS_MARK) - 2
        end = text.find(">", start)
        if end < 0:
            return text
        return text.replace(text[start:end], "0x....")

    @classmethod
    def create_key(cls, method: str, name: str, error: BaseException | str | None) -> str:
        """Return the sha256 key that groups occurrences of the same error."""
        key = f"{method}.{name}.{cls.parse_error(error)!r}"
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    def occurred(self, timestamp: float | None = None) -> None:
        """Count one more occurrence, at ``timestamp`` (epoch seconds) when given."""
        self.occurrences += 1
        if timestamp is not None:
            if self.first_seen is None:
                self.first_seen = timestamp
            self.last_seen = timestamp

    def to_name(self) -> str:
        """Return the console error-report text: ``"<METHOD> <name>: <error>"``."""
        error = self.error
        if isinstance(error, str):
            # On a master errors arrive as text: unwrap CatchResponseError but keep its quotes.
            if error.startswith(_CATCH_RESPONSE_PREFIX):
                text = error[len(_CATCH_RESPONSE_PREFIX) : -1]
            else:
                text = error
        elif isinstance(error, CatchResponseError) and error.args:
            text = str(error.args[0])
        else:
            text = repr(error)
        return f"{self.method} {self.name}: {text}"

    def merge(self, other: StatsError) -> None:
        """Add ``other``'s occurrences, keeping the earliest first and latest last sighting."""
        self.occurrences += other.occurrences
        firsts = [t for t in (self.first_seen, other.first_seen) if t is not None]
        lasts = [t for t in (self.last_seen, other.last_seen) if t is not None]
        self.first_seen = min(firsts) if firsts else None
        self.last_seen = max(lasts) if lasts else None

    def serialize(self) -> StatsErrorDict:
        """Return the wire form; the error becomes its :meth:`parse_error` text."""
        return {
            "name": self.name,
            "method": self.method,
            "error": self.parse_error(self.error),
            "occurrences": self.occurrences,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }

    @classmethod
    def unserialize(cls, data: StatsErrorDict | dict[str, Any]) -> StatsError:
        """Rebuild an error from :meth:`serialize` output (Locust's, without times, too)."""
        return cls(
            data["method"],
            data["name"],
            data["error"],
            data["occurrences"],
            data.get("first_seen"),
            data.get("last_seen"),
        )

    def to_dict(self, escape_string_values: bool = False) -> dict[str, Any]:
        """Return the web/report form (``method, name, error, occurrences``, first/last seen)."""
        text = self.parse_error(self.error)
        return {
            "method": escape(self.method) if escape_string_values else self.method,
            "name": escape(self.name) if escape_string_values else self.name,
            "error": escape(text) if escape_string_values else text,
            "occurrences": self.occurrences,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }

    def __repr__(self) -> str:
        return f"StatsError({self.method!r}, {self.name!r}, {self.error!r}, {self.occurrences})"


class ExceptionRecord(TypedDict):
    """One distinct task exception, the dict shape Locust keeps in ``runner.exceptions``."""

    count: int
    msg: str
    traceback: str
    nodes: set[str]


class ExceptionLog(dict[int, ExceptionRecord]):
    """Exceptions raised by user code, keyed by ``hash(traceback text)``.

    It is a dict, so it can stand in for Locust's ``runner.exceptions``.

    Example:
        >>> log = ExceptionLog()
        >>> log.record("local", "boom", '  File "lf.py", line 3, in t\\n')
        >>> log.record("local", "boom", '  File "lf.py", line 3, in t\\n')
        >>> [(r["count"], r["msg"], r["nodes"]) for r in log.values()]
        [(2, 'boom', {'local'})]
    """

    def record(self, node_id: str, msg: str, formatted_tb: str) -> None:
        """Count one exception from ``node_id`` ("local" or a worker id).

        Args:
            node_id: Where it happened.
            msg: ``str(exception)``.
            formatted_tb: The stack-frame lines of the traceback, joined.
        """
        row = self.setdefault(
            hash(formatted_tb),
            {"count": 0, "msg": msg, "traceback": formatted_tb, "nodes": set()},
        )
        row["count"] += 1
        row["nodes"].add(node_id)
