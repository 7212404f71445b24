"""Output file names: Locust's ``{u}``, ``{r}`` and ``{t}`` placeholders in ``--html``."""

from __future__ import annotations

__all__ = ["fill_placeholders"]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def fill_placeholders(
    path: str, users: int | None, spawn_rate: float | None, run_time: int | None
) -> str:
    """Replace ``{u}``, ``{r}`` and ``{t}`` by the options that are set.

    Example:
        >>> fill_placeholders("report_{u}_{r}_{t}.html", 3, 2.5, 6)
        'report_3_2.5_6.html'
        >>> fill_placeholders("report_{u}.html", None, None, None)
        'report_{u}.html'
    """
    for placeholder, value in (("{u}", users), ("{r}", spawn_rate), ("{t}", run_time)):
        if value is not None:
            path = path.replace(placeholder, _number(value))
    return path
