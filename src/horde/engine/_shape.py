"""LoadTestShape: a class whose ``tick()`` decides the user count over time."""

from __future__ import annotations

import time
from typing import Any

__all__ = ["LoadTestShape", "ShapeTick"]

ShapeTick = tuple[int, float] | tuple[int, float, list[Any] | None] | None


class _ShapeMeta(type):
    """Makes every shape class not marked ``abstract = True`` concrete."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> _ShapeMeta:
        namespace.setdefault("abstract", False)
        return super().__new__(mcs, name, bases, namespace)


class LoadTestShape(metaclass=_ShapeMeta):
    """Drive the user count from code: ``tick()`` is called about once a second.

    ``tick()`` returns ``(user_count, spawn_rate)``, ``(user_count, spawn_rate,
    user_classes)`` or ``None`` to end the test.

    Example:
        >>> from horde import LoadTestShape
        >>> class TwoSteps(LoadTestShape):
        ...     def tick(self):
        ...         run_time = self.get_run_time()
        ...         if run_time < 60:
        ...             return (10, 10)
        ...         if run_time < 120:
        ...             return (50, 10)
        ...         return None
    """

    runner: Any = None
    """The runner driving this shape; set when the runner is created."""
    abstract: bool = True
    use_common_options: bool = False
    """When true, ``-u``, ``-r`` and ``-t`` are not ignored: the shape reads them itself."""

    def __init__(self) -> None:
        self.start_time = time.perf_counter()

    def reset_time(self) -> None:
        """Start counting run time from now."""
        self.start_time = time.perf_counter()

    def get_run_time(self) -> float:
        """Seconds since the shape started."""
        return time.perf_counter() - self.start_time

    def get_current_user_count(self) -> int:
        """The number of users running now."""
        return int(self.runner.user_count) if self.runner is not None else 0

    def tick(self) -> ShapeTick:
        """Return the next target, or ``None`` to stop the test."""
        raise NotImplementedError(f"{type(self).__name__} must implement tick()")
