import pytest

from horde.cli import build_parser, parse_timespan
from horde.cli._config import apply_config_sources


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("20", 20), ("20s", 20), ("3m", 180), ("2h", 7200), ("1h20m", 4800), ("3h30m10s", 12610)],
)
def test_timespans(text, seconds):
    assert parse_timespan(text) == seconds


@pytest.mark.parametrize("text", ["1.5", "5x", "m", "s1", "", "10m5h"])
def test_bad_timespans(text):
    with pytest.raises(ValueError, match="Invalid time span"):
        parse_timespan(text)


def parse(argv, environ=None, config=None):
    parser = build_parser()
    apply_config_sources(parser, config, environ or {})
    return parser.parse_args(argv)


def test_sources_override_in_locust_order(workdir):
    (workdir / "locust.conf").write_text(
        "users = 1\nspawn-rate = 1\nrun-time = 1m\nhost = http://a\n"
    )
    (workdir / "pyproject.toml").write_text(
        '[tool.locust]\nusers = 2\nspawn-rate = 2\nrun-time = "2m"\n'
    )
    extra = workdir / "extra.conf"
    extra.write_text("users: 3\nspawn-rate 3\n")
    options = parse(["-u", "5"], {"LOCUST_SPAWN_RATE": "4"}, str(extra))
    assert options.num_users == 5  # command line
    assert options.spawn_rate == 4  # env var beats --config
    assert options.run_time == 120  # pyproject beats locust.conf
    assert options.host == "http://a"


def test_horde_names_beat_locust_names(workdir):
    (workdir / "locust.conf").write_text("users = 1\n")
    (workdir / "horde.conf").write_text("users = 2\n")
    (workdir / "pyproject.toml").write_text(
        "[tool.locust]\nheadless = true\n[tool.horde]\nheadless = false\n"
    )
    options = parse([], {"LOCUST_HOST": "http://l", "HORDE_HOST": "http://h"})
    assert options.num_users == 2
    assert options.headless is False
    assert options.host == "http://h"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("yes", True), ("1", True), ("false", False), ("0", False)],
)
def test_boolean_env_values(workdir, value, expected):
    assert parse([], {"LOCUST_HEADLESS": value}).headless is expected


@pytest.mark.parametrize(("value", "expected"), [("[a, b]", ["a", "b"]), ("a b", ["a b"])])
def test_list_values_use_brackets(workdir, value, expected):
    assert parse([], {"LOCUST_TAGS": value}).tags == expected


def test_unknown_config_key_is_an_error(workdir, capsys):
    (workdir / "locust.conf").write_text("bogus-key = 1\n")
    with pytest.raises(SystemExit) as exit_info:
        parse([])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --bogus-key=1" in capsys.readouterr().err


def test_bad_config_value_names_its_source(workdir, capsys):
    (workdir / "locust.conf").write_text("run-time = 1.5\n")
    with pytest.raises(SystemExit):
        parse([])
    err = capsys.readouterr().err
    assert "Invalid time span format" in err
    assert "locust.conf" in err


def test_missing_config_file_is_an_error(workdir, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse([], config="nope.conf")
    assert exit_info.value.code == 2
    assert "nope.conf" in capsys.readouterr().err


def test_quoted_values_lose_their_quotes_as_in_locust(workdir):
    (workdir / "locust.conf").write_text(
        'csv = "out/x"\nhost = \'http://127.0.0.1:1\'\nrun-time: "1m"  # quoted\n'
        'tags = ["a", "b"]\n'
    )
    options = parse([])
    assert (options.csv_prefix, options.host, options.run_time) == (
        "out/x",
        "http://127.0.0.1:1",
        60,
    )
    assert options.tags == ["a", "b"]


def test_an_empty_value_is_empty_and_a_bare_key_a_switch(workdir, capsys):
    (workdir / "locust.conf").write_text("headless\nusers =\n")
    with pytest.raises(SystemExit):
        parse([])
    assert "invalid int value: ''" in capsys.readouterr().err


def parse_over(argv, environ=None):
    parser = build_parser()
    apply_config_sources(parser, None, environ or {}, argv=argv)
    return parser.parse_args(argv)


def test_only_the_value_that_wins_is_checked(workdir):
    (workdir / "locust.conf").write_text("users = abc\nrun-time = bogus\nspawn-rate = x\n")
    environ = {"LOCUST_RUN_TIME": "", "LOCUST_HEADLESS": "maybe", "LOCUST_SPAWN_RATE": "2"}
    options = parse_over(["-u", "1", "-t", "1s", "--headless"], environ)
    assert (options.num_users, options.run_time, options.headless) == (1, 1, True)
    assert options.spawn_rate == 2  # the env var wins over the file's bad value


def test_a_bad_value_that_wins_is_still_an_error(workdir, capsys):
    (workdir / "locust.conf").write_text("users = abc\n")
    with pytest.raises(SystemExit):
        parse_over(["-t", "1s"])
    assert "locust.conf" in capsys.readouterr().err


def test_a_key_may_abbreviate_one_option_as_on_the_command_line(workdir, capsys):
    (workdir / "locust.conf").write_text("user = 2\nrun-t = 1m\n")
    options = parse([])
    assert (options.num_users, options.run_time) == (2, 60)
    (workdir / "locust.conf").write_text("s = 1\n")  # --spawn-rate, --stop-timeout, ...
    with pytest.raises(SystemExit):
        parse([])
    assert "unrecognized arguments: --s=1" in capsys.readouterr().err
