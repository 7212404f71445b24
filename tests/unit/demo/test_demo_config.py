"""Profiles and knobs."""

from __future__ import annotations

import dataclasses

import pytest

from horde.demo import PROFILES, DemoConfig
from horde.demo._config import check_profile, config_arguments, config_from_env, parse_field


def test_profiles():
    assert PROFILES == ("healthy", "cpu", "pool", "stall", "slow-query")


@pytest.mark.parametrize("profile", PROFILES)
def test_check_profile_accepts_each_profile(profile):
    assert check_profile(profile) == profile


def test_check_profile_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"'gc'.*healthy, cpu, pool, stall, slow-query"):
        check_profile("gc")


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DemoConfig().pool_connections = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pool_connections": 0}, "pool_connections must be greater than 0"),
        ({"db_connections": -1}, "db_connections must be greater than 0"),
        ({"pool_acquire_timeout_s": 0.0}, "pool_acquire_timeout_s must be greater than 0"),
        ({"cpu_cost_ms": -1.0}, "cpu_cost_ms must be 0 or more"),
        ({"activity_rows_per_request": 0}, "activity_rows_per_request must be greater"),
        ({"stall_period_s": 1.0, "stall_duration_s": 1.0}, "must be shorter than"),
    ],
)
def test_config_refuses_values_that_make_no_sense(changes, message):
    with pytest.raises(ValueError, match=message):
        DemoConfig(**changes)


def test_zero_costs_are_allowed():
    config = DemoConfig(cpu_cost_ms=0, pool_hold_ms=0)
    assert (config.cpu_cost_ms, config.pool_hold_ms) == (0, 0)


def test_config_from_env_reads_prefixed_variables():
    environ = {
        "HORDE_DEMO_STALL_PERIOD_S": "4",
        "HORDE_DEMO_POOL_CONNECTIONS": "2",
        "HORDE_DEMO_UNKNOWN": "1",
        "STALL_PERIOD_S": "9",
    }
    config = config_from_env(environ)
    assert config == DemoConfig(stall_period_s=4.0, pool_connections=2)
    assert isinstance(config.stall_period_s, float)
    assert isinstance(config.pool_connections, int)


def test_config_from_env_starts_from_a_base():
    base = DemoConfig(cpu_cost_ms=1)
    assert config_from_env({}, base).cpu_cost_ms == 1


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("HORDE_DEMO_POOL_CONNECTIONS", "2.5", "HORDE_DEMO_POOL_CONNECTIONS: .* an integer"),
        ("HORDE_DEMO_CPU_COST_MS", "fast", "HORDE_DEMO_CPU_COST_MS: .* a number"),
        ("HORDE_DEMO_STALL_DURATION_S", "20", "must be shorter"),
    ],
)
def test_config_from_env_explains_bad_values(variable, value, message):
    with pytest.raises(ValueError, match=message):
        config_from_env({variable: value})


def test_parse_field_refuses_unknown_fields():
    with pytest.raises(ValueError, match="no field 'speed'"):
        parse_field("speed", "1")


def test_config_arguments_name_only_what_differs_from_the_defaults():
    assert config_arguments(DemoConfig()) == []
    config = DemoConfig(pool_connections=1, stall_period_s=0.5, stall_duration_s=0.25)
    arguments = config_arguments(config)
    assert arguments == [
        "--pool-connections",
        "1",
        "--stall-period-s",
        "0.5",
        "--stall-duration-s",
        "0.25",
    ]
    # They parse back to the same config.
    pairs = dict(zip(arguments[::2], arguments[1::2], strict=True))
    rebuilt = {
        option[2:].replace("-", "_"): parse_field(option[2:].replace("-", "_"), value)
        for option, value in pairs.items()
    }
    assert DemoConfig(**rebuilt) == config
