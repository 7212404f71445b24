"""Escaping and number formatting shared by the HTML report's sections."""

from __future__ import annotations

import datetime
import html
import json
import math
from collections.abc import Mapping
from typing import Any

_DASH = "&ndash;"
"""What a table shows for a missing value."""


def _text(value: object) -> str:
    return html.escape(str(value), quote=True)


def _optional_text(value: object) -> str:
    return _text(value) if value else _DASH


def _finite(value: Any) -> Any:
    """JSON-ready copy with NaN and infinities as null (JSON has no spelling for them)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(key): _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _script_json(value: Any) -> str:
    text = json.dumps(_finite(value), separators=(",", ":"), allow_nan=False)
    for character, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(character, escape)
    # Line and paragraph separators are legal in JSON but ended lines in older JavaScript.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _number(value: Any, decimals: int = 0) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return _DASH
    if isinstance(value, float) and not math.isfinite(value):
        return _DASH
    return f"{value:,.{decimals}f}"


def _ms(value: Any) -> str:
    """Milliseconds: whole numbers, with one decimal below 10 ms."""
    small = isinstance(value, int | float) and abs(value) < 10
    return _number(value, 1 if small else 0)


def _percent(fraction: Any) -> str:
    if not isinstance(fraction, int | float):
        return _DASH
    return f"{fraction * 100:.2f}%"


def _seconds(seconds: float | None) -> str:
    if seconds is None:
        return _DASH
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min {rest:02d} s"
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def _parse_time(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return None


def _duration_seconds(summary: Mapping[str, Any]) -> float | None:
    start, end = _parse_time(summary.get("start_time")), _parse_time(summary.get("end_time"))
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def _endpoints(summary: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The endpoints in the CSV's order: by name, then method."""
    endpoints = summary.get("endpoints") or []
    return sorted(endpoints, key=lambda entry: (str(entry.get("name")), str(entry.get("method"))))
