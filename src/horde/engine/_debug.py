"""run_single_user: run one user in the foreground, printing every request (for debugging)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from horde.engine._environment import Environment
from horde.event import events as shared_events
from horde.exceptions import StopUser
from horde.runtime import call_sync, cooperative_sleep, run
from horde.user import User

__all__ = ["run_single_user"]


def _printer(
    include_length: bool, include_time: bool, include_context: bool, include_payload: bool
) -> Any:
    header = ["type", "name".ljust(50), "resp_ms", "exception"]
    header += ["resp_len"] * include_length + ["time"] * include_time
    header += ["context"] * include_context + ["payload"] * include_payload
    print("\t".join(header))

    def on_request(
        request_type: str,
        name: str,
        response_time: float | None,
        exception: BaseException | None = None,
        **kwargs: Any,
    ) -> None:
        columns = [request_type, name.ljust(50), f"{response_time or 0:.0f}", str(exception or "")]
        if include_length:
            columns.append(str(kwargs.get("response_length", "")))
        if include_time:
            columns.append(str(kwargs.get("start_time", "")))
        if include_context:
            columns.append(str(kwargs.get("context", "")))
        if include_payload:
            response = kwargs.get("response")
            columns.append(getattr(response, "text", "") if response is not None else "")
        print("\t".join(columns))

    return on_request


def run_single_user(  # noqa: PLR0917 - Locust's signature
    user_class: type[User],
    include_length: bool = False,
    include_time: bool = False,
    include_context: bool = False,
    include_payload: bool = False,
    loglevel: str | None = "WARNING",
    host: str | None = None,
) -> None:
    """Run one user of ``user_class`` until it stops (or Ctrl-C), printing each request.

    Handy in an IDE or debugger: add ``if __name__ == "__main__": run_single_user(MyUser)``
    to a locustfile and run it with Python.

    Args:
        user_class: The user class to run.
        include_length: Add the response length column.
        include_time: Add the start time column.
        include_context: Add the request context column.
        include_payload: Add the response body column.
        loglevel: Log level for horde's own messages (``None`` leaves logging alone).
        host: Target base URL; by default the class's ``host``.
    """
    if loglevel:
        logging.basicConfig(level=loglevel.upper())
    environment = Environment(user_classes=[user_class], events=shared_events, host=host)
    listener = shared_events.request.add_listener(
        _printer(include_length, include_time, include_context, include_payload)
    )

    async def main() -> None:
        await call_sync(shared_events.test_start.fire, environment=environment)
        if host:
            user_class.host = host
        user = user_class(environment)
        environment.single_user_instance = user  # type: ignore[attr-defined]
        with contextlib.suppress(StopUser, asyncio.CancelledError):
            await user._run()

    try:
        with cooperative_sleep():
            run(main())
    except KeyboardInterrupt:
        pass
    finally:
        shared_events.request.remove_listener(listener)
