"""Profile names and the frozen knobs of the demo shop.

Every knob lives in one frozen :class:`DemoConfig`, so tests can make a profile
bite at small scale (a pool of one connection, a 20 ms CPU cost, a 0.3 s stall
period) without touching module state. ``python -m horde.demo`` exposes each
field as an option (``--pool-connections 2``) and as an environment variable
(``HORDE_DEMO_POOL_CONNECTIONS=2``); nothing here reads the environment by itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ENV_PREFIX",
    "PROFILES",
    "DemoConfig",
    "check_profile",
    "config_arguments",
    "config_from_env",
    "parse_field",
]

#: The bottleneck profiles, in the order the docs list them.
PROFILES: tuple[str, ...] = ("healthy", "cpu", "pool", "stall", "slow-query")

#: Prefix of the environment variables ``python -m horde.demo`` reads, one per knob.
ENV_PREFIX = "HORDE_DEMO_"


def _knob(default: Any, help_text: str) -> Any:
    """A :class:`DemoConfig` field with its one-line ``--help`` text."""
    return dataclasses.field(default=default, metadata={"help": help_text})


@dataclass(frozen=True, slots=True)
class DemoConfig:
    """The knobs of the demo shop; the defaults are what ``horde demo`` runs.

    Each profile only reads its own knobs; the ``db_*`` ones apply to every
    profile except ``pool``, which swaps in the ``pool_*`` ones.

    Example:
        >>> fast = DemoConfig(stall_period_s=0.5, stall_duration_s=0.2)
        >>> fast.stall_duration_s
        0.2

    Attributes:
        db_connections: SQLite connections (and database threads) in every
            profile but ``pool``.
        db_acquire_timeout_s: How long a request waits for one of them before a 503.
        pool_connections: The small pool of the ``pool`` profile.
        pool_acquire_timeout_s: How long a request waits for a pooled connection
            in the ``pool`` profile before it gives up with a 503.
        pool_hold_ms: How long each request of the ``pool`` profile keeps its
            connection checked out (its transaction waits that long, as one that
            calls a slow service while holding the connection would).
        cpu_cost_ms: CPU time each response costs in the ``cpu`` profile, spent on
            the event loop, so requests queue behind each other once a core is full.
        stall_period_s: Time between the starts of two stop-the-world pauses in
            the ``stall`` profile; the first one starts one period after startup.
        stall_duration_s: How long each pause blocks the event loop.
        activity_rows_per_request: Events each request appends to the activity
            log in the ``slow-query`` profile (a view and the impressions of what
            the page shows); raise it to grow the log, and slow the feed, faster.
    """

    db_connections: int = _knob(8, "all but pool: connections")
    db_acquire_timeout_s: float = _knob(10.0, "all but pool: wait for a connection before a 503")
    pool_connections: int = _knob(4, "pool: connections")
    pool_acquire_timeout_s: float = _knob(1.0, "pool: wait for a connection before a 503")
    pool_hold_ms: float = _knob(30.0, "pool: how long each request keeps its connection")
    cpu_cost_ms: float = _knob(8.0, "cpu: CPU time each response costs, on the event loop")
    stall_period_s: float = _knob(10.0, "stall: time between the starts of two pauses")
    stall_duration_s: float = _knob(1.0, "stall: how long each pause blocks the event loop")
    activity_rows_per_request: int = _knob(10, "slow-query: rows each request adds to the log")

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            must_be_positive = field.name.endswith(("connections", "_s", "_per_request"))
            if value < 0 or (must_be_positive and value == 0):
                relation = "greater than 0" if must_be_positive else "0 or more"
                raise ValueError(f"DemoConfig.{field.name} must be {relation}, got {value!r}")
        if self.stall_duration_s >= self.stall_period_s:
            raise ValueError(
                f"DemoConfig.stall_duration_s ({self.stall_duration_s}) must be shorter than "
                f"stall_period_s ({self.stall_period_s}), or the server never recovers"
            )


def check_profile(profile: str) -> str:
    """Return ``profile`` if it names a profile.

    Raises:
        ValueError: it does not; the message lists the valid names.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown demo profile {profile!r}; choose one of: {', '.join(PROFILES)}")
    return profile


def parse_field(name: str, text: str) -> int | float:
    """Parse ``text`` as the value of the :class:`DemoConfig` field ``name``.

    Raises:
        ValueError: the field does not exist or ``text`` is not a number of its type.
    """
    default = _DEFAULTS.get(name)
    if default is None:
        raise ValueError(f"DemoConfig has no field {name!r}")
    try:
        return type(default)(text)
    except ValueError:
        kind = "an integer" if isinstance(default, int) else "a number"
        raise ValueError(f"{name} must be {kind}, got {text!r}") from None


def config_from_env(environ: Mapping[str, str], base: DemoConfig | None = None) -> DemoConfig:
    """Return ``base`` with every knob that ``environ`` sets as ``HORDE_DEMO_<FIELD>``.

    Example:
        >>> config_from_env({"HORDE_DEMO_STALL_PERIOD_S": "5"}).stall_period_s
        5.0

    Raises:
        ValueError: a variable holds something that is not a number of the
            field's type, or the resulting config is invalid.
    """
    changes: dict[str, Any] = {}
    for name in _DEFAULTS:
        variable = ENV_PREFIX + name.upper()
        if variable in environ:
            try:
                changes[name] = parse_field(name, environ[variable])
            except ValueError as error:
                raise ValueError(f"{variable}: {error}") from None
    return dataclasses.replace(base or DemoConfig(), **changes)


def config_arguments(config: DemoConfig) -> list[str]:
    """Command-line options for ``python -m horde.demo`` that rebuild ``config``.

    Only the fields that differ from the defaults are written.

    Example:
        >>> config_arguments(DemoConfig(pool_connections=1))
        ['--pool-connections', '1']
    """
    arguments: list[str] = []
    for name, default in _DEFAULTS.items():
        value = getattr(config, name)
        if value != default:
            arguments += ["--" + name.replace("_", "-"), repr(value)]
    return arguments


_DEFAULTS: dict[str, int | float] = {
    field.name: getattr(DemoConfig(), field.name) for field in dataclasses.fields(DemoConfig)
}
