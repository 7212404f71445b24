"""``locust.web``: what locustfiles that extend Locust's web UI import.

horde has no web UI yet: ``environment.web_ui`` is always None, so such a locustfile's
``if environment.web_ui:`` branch is skipped and the rest of it runs headless. ``WebUI``
is here for type hints and ``isinstance`` checks; building one says why it cannot be.
"""

from __future__ import annotations

from typing import Any

from horde.exceptions import UsageError

__all__ = ["WebUI"]


class WebUI:
    """Locust's web UI, which horde does not have yet (``environment.web_ui`` is None)."""

    app: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise UsageError(
            "horde has no web UI yet: run with --headless (environment.web_ui is None)"
        )
