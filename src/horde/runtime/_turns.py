"""A count only the event loop advances: proof that a task let the other tasks run.

Code running inside a task cannot advance it; callbacks the loop runs between tasks (a
socket's bytes arriving) do. So if the count moved while a task ran, the task was
suspended at least once and every other user had its turn meanwhile: a task loop can
skip the bare yield it otherwise owes them after a task with no wait. That yield was a
whole extra pass through the loop per request in an ``async def`` hot loop.

The count stands still across suspensions that no counted callback ends (a timer, a
future set by another task): the check is then conservative, and the yield happens.
"""

from __future__ import annotations

__all__ = ["LOOP_TURNS", "LoopTurns"]


class LoopTurns:
    """A counter that loop callbacks advance with ``LOOP_TURNS.count += 1``.

    Example:
        >>> before = LOOP_TURNS.count
        >>> # ... await something ...
        >>> gave_way = LOOP_TURNS.count != before
    """

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


LOOP_TURNS = LoopTurns()
"""The process's count; advanced by every connection's ``data_received``."""
