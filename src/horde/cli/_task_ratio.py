"""``--show-task-ratio`` and ``--show-task-ratio-json``."""

from __future__ import annotations

import json
from typing import Any

from horde.engine import Environment, UserSequence, task_ratios

__all__ = ["show_task_ratio"]


def _lines(tree: dict[str, Any], level: int = 0) -> list[str]:
    padding = "  " * level
    lines: list[str] = []
    for name, node in tree.items():
        percent = "%-6.1f" % (node.get("ratio", 1) * 100)
        lines.append(" %-10s %-50s" % (padding + percent, padding + name))  # noqa: UP031
        if "tasks" in node:
            lines += _lines(node["tasks"], level + 1)
    return lines


def show_task_ratio(environment: Environment, num_users: int | None, as_json: bool) -> str:
    """The text ``--show-task-ratio`` (or its JSON twin) prints."""
    classes = environment.user_classes
    if num_users:
        counts: dict[str, float] = dict(UserSequence(classes).counts(num_users))
    else:
        counts = {cls.__name__: float(cls.weight) for cls in classes}
    per_class = task_ratios(classes, counts, total=False)
    total = task_ratios(classes, counts, total=True)
    if as_json:
        return json.dumps({"per_class": per_class, "total": total}, indent=4)
    rule = "-" * 80
    return "\n".join(
        [
            "",
            " Task ratio per User class",
            rule,
            *_lines(per_class),
            "",
            " Total task ratio",
            rule,
            *_lines(total),
        ]
    )
