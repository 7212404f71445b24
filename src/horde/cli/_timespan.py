"""Parsing time spans such as ``90``, ``30s``, ``5m`` or ``1h30m``."""

from __future__ import annotations

import re

__all__ = ["TIMESPAN_HELP", "parse_timespan"]

TIMESPAN_HELP = "Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc."

_PATTERN = re.compile(r"((?P<hours>\d+?)h)?((?P<minutes>\d+?)m)?((?P<seconds>\d+?)s)?")


def parse_timespan(time_str: str | int) -> int:
    """Return the number of seconds in ``time_str``.

    Raises:
        ValueError: If the text is not a time span.

    Example:
        >>> parse_timespan("1h30m")
        5400
    """
    text = str(time_str).strip()
    if not text:
        raise ValueError("Invalid time span format")
    if text.isdigit():
        return int(text)
    match = _PATTERN.fullmatch(text)
    if match is None or not any(match.groupdict().values()):
        raise ValueError("Invalid time span format")
    parts = {name: int(value) for name, value in match.groupdict().items() if value}
    return parts.get("hours", 0) * 3600 + parts.get("minutes", 0) * 60 + parts.get("seconds", 0)
