"""The results as a console table, a markdown page and a JSON document."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _figures import Measurement
from _measure import Unmeasured

__all__ = ["Results", "render_markdown", "render_table", "write_outputs"]

Row = Measurement | Unmeasured

_HEADERS = (
    "generator",
    "req/s",
    "req/CPU-s",
    "gen CPU",
    "gen core",
    "nginx core",
    "failures",
    "vs FastHttpUser",
    "(per CPU-s)",
)


@dataclasses.dataclass(frozen=True)
class Results:
    """Every row of one benchmark run, the row the others are compared with, and context."""

    rows: Sequence[Row]
    baseline: str
    settings: dict[str, Any]
    environment: dict[str, str]

    def find(self, name: str) -> Measurement | None:
        """The measured row called ``name``, if it was measured."""
        for row in self.rows:
            if isinstance(row, Measurement) and row.name == name:
                return row
        return None

    def ratio(self, name: str) -> float | None:
        """Row ``name``'s requests/s over the baseline's, when both were measured."""
        row, baseline = self.find(name), self.find(self.baseline)
        if row is None or baseline is None or not baseline.requests_per_second:
            return None
        return row.requests_per_second / baseline.requests_per_second

    def cpu_ratio(self, name: str) -> float | None:
        """Row ``name``'s requests per CPU-second over the baseline's."""
        row, baseline = self.find(name), self.find(self.baseline)
        if row is None or baseline is None or not baseline.requests_per_cpu_second:
            return None
        return row.requests_per_cpu_second / baseline.requests_per_cpu_second


def render_table(results: Results) -> str:
    """A fixed-width table for the console, notes below it."""
    cells = [_HEADERS, *(_cells(results, row) for row in results.rows)]
    widths = [max(len(line[column]) for line in cells) for column in range(len(_HEADERS))]
    lines = [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(line, widths, strict=True))
        )
        for line in cells
    ]
    notes = _notes(results)
    return "\n".join([*lines, *(["", "notes:", *(f"  {note}" for note in notes)] if notes else [])])


def render_markdown(results: Results) -> str:
    """The same table as a markdown page, with the settings it was measured under."""
    header = "| " + " | ".join(_HEADERS) + " |"
    rule = "|---" + "|--:" * (len(_HEADERS) - 1) + "|"
    body = ["| " + " | ".join(_cells(results, row)) + " |" for row in results.rows]
    settings = ", ".join(f"{key}={value}" for key, value in results.settings.items())
    environment = ", ".join(f"{key}: {value}" for key, value in results.environment.items())
    return "\n".join(
        [
            "# horde benchmark: hot loop, one core each",
            "",
            header,
            rule,
            *body,
            "",
            *(f"- {note}" for note in _notes(results)),
            "",
            f"Settings: {settings}.",
            "",
            f"Environment: {environment}.",
            "",
        ]
    )


def write_outputs(results: Results, directory: Path) -> tuple[Path, Path]:
    """Write ``latest.json`` and ``latest.md`` into ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path, markdown_path = directory / "latest.json", directory / "latest.md"
    json_path.write_text(json.dumps(_as_json(results), indent=2) + "\n")
    markdown_path.write_text(render_markdown(results))
    return json_path, markdown_path


def _cells(results: Results, row: Row) -> tuple[str, ...]:
    if isinstance(row, Unmeasured):
        return (row.name, *("-" for _ in _HEADERS[1:]))
    return (
        row.name,
        f"{row.requests_per_second:,.0f}",
        f"{row.requests_per_cpu_second:,.0f}",
        f"{row.generator_cpu_percent:.0f}%",
        f"{row.generator_core_percent:.0f}%",
        f"{row.nginx_core_percent:.0f}%",
        f"{row.tool_failures:,}",
        _format_ratio(results.ratio(row.name)),
        _format_ratio(results.cpu_ratio(row.name)),
    )


def _format_ratio(ratio: float | None) -> str:
    return "" if ratio is None else f"{ratio:.1f}x"


def _notes(results: Results) -> list[str]:
    notes: list[str] = []
    for row in results.rows:
        row_notes = (row.reason,) if isinstance(row, Unmeasured) else row.notes
        notes.extend(f"{row.name}: {note}" for note in row_notes)
    return notes


def _as_json(results: Results) -> dict[str, Any]:
    rows = []
    for row in results.rows:
        if isinstance(row, Unmeasured):
            rows.append({"name": row.name, "measured": False, "reason": row.reason})
            continue
        rows.append(
            {
                **dataclasses.asdict(row),
                "measured": True,
                "ratio_to_baseline": results.ratio(row.name),
                "cpu_ratio_to_baseline": results.cpu_ratio(row.name),
            }
        )
    return {
        "baseline": results.baseline,
        "settings": results.settings,
        "environment": results.environment,
        "rows": rows,
    }
