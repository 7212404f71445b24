"""The wire form of a StatsEntry: Locust's keys, plus horde's exact histogram."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from horde.stats._histogram import Histogram

if TYPE_CHECKING:
    from horde.stats._entry import StatsEntry

__all__ = ["StatsEntryDict", "load_entry", "serialize_entry"]


class StatsEntryDict(TypedDict, total=False):
    """The wire form of a :class:`StatsEntry`: Locust's keys, plus horde's ``histogram``.

    A Locust master ignores ``histogram``; from a Locust worker, whose reports lack it, the
    histogram is rebuilt from ``response_times``.
    """

    name: str
    method: str
    last_request_timestamp: float | None
    start_time: float
    num_requests: int
    num_none_requests: int
    num_failures: int
    total_response_time: float
    max_response_time: float
    min_response_time: float | None
    total_content_length: int
    response_times: dict[int, int]
    num_reqs_per_sec: dict[int, int]
    num_fail_per_sec: dict[int, int]
    histogram: dict[str, Any]


def serialize_entry(entry: StatsEntry, *, include_histogram: bool) -> StatsEntryDict:
    """Return ``entry``'s wire form, keys in Locust's order."""
    data: StatsEntryDict = {
        "name": entry.name,
        "method": entry.method,
        "last_request_timestamp": entry.last_request_timestamp,
        "start_time": entry.start_time,
        "num_requests": entry.num_requests,
        "num_none_requests": entry.num_none_requests,
        "num_failures": entry.num_failures,
        "total_response_time": entry.total_response_time,
        "max_response_time": entry.max_response_time,
        "min_response_time": entry.min_response_time,
        "total_content_length": entry.total_content_length,
        "response_times": entry.response_times,
        "num_reqs_per_sec": dict(entry.num_reqs_per_sec),
        "num_fail_per_sec": dict(entry.num_fail_per_sec),
    }
    if include_histogram:
        data["histogram"] = entry.histogram.to_dict()
    return data


def _int_keys(data: Mapping[Any, int] | None) -> defaultdict[int, int]:
    # JSON turns int keys into strings; msgpack keeps them.
    return defaultdict(int, {int(k): v for k, v in (data or {}).items()})


def load_entry(entry: StatsEntry, data: StatsEntryDict | Mapping[str, Any]) -> None:
    """Fill a fresh ``entry`` from a wire form (horde's, or a Locust worker's)."""
    entry.start_time = data.get("start_time", entry.start_time)
    entry.last_request_timestamp = data.get("last_request_timestamp")
    entry.num_requests = data.get("num_requests", 0)
    entry.num_none_requests = data.get("num_none_requests", 0)
    entry.num_failures = data.get("num_failures", 0)
    entry.total_response_time = data.get("total_response_time", 0.0)
    entry.total_content_length = data.get("total_content_length", 0)
    entry.num_reqs_per_sec = _int_keys(data.get("num_reqs_per_sec"))
    entry.num_fail_per_sec = _int_keys(data.get("num_fail_per_sec"))
    if data.get("histogram") is not None:
        entry.histogram = Histogram.from_dict(data["histogram"])
    else:
        entry.min_response_time = data.get("min_response_time")
        entry.max_response_time = data.get("max_response_time", 0)
        entry.response_times = data.get("response_times") or {}
