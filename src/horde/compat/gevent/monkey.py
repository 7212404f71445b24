"""``gevent.monkey``: nothing to patch under horde."""

from typing import Any

__all__ = ["patch_all"]


def patch_all(*args: Any, **kwargs: Any) -> bool:
    """Do nothing: horde makes ``time.sleep`` cooperative by itself during a run."""
    return True
