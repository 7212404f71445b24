"""``locust.argument_parser``: Locust's parser helpers over horde's options and config
sources."""

import argparse
from pathlib import Path

import pytest

from horde.cli import build_parser
from horde.compat import locust_alias
from horde.event import events


@pytest.fixture
def ap(workdir):
    """The module, in an empty directory with an empty home and no LOCUST_/HORDE_ vars."""
    with locust_alias():
        import locust.argument_parser as module
    return module


@pytest.fixture
def custom_options():
    """A locustfile's init_command_line_parser listener adding options of its own."""

    def add(parser, **kwargs):
        parser.add_argument("--shop-id", env_var="LOCUST_SHOP_ID", default="1", help="Shop")
        parser.add_argument("--api-key", is_secret=True, is_required=True, default="k")
        parser.add_argument("--region", choices=["eu", "us"], default="eu", is_multiple=True)
        parser.add_argument("--internal", include_in_web_ui=False, default="x")

    events.init_command_line_parser.add_listener(add)


def test_the_names_are_there(ap):
    assert ap.LocustArgumentParser is type(build_parser())
    for name in (
        "get_parser",
        "parse_options",
        "setup_parser_arguments",
        "get_empty_argument_parser",
        "default_args_dict",
        "ui_extra_args_dict",
    ):
        assert callable(getattr(ap, name)), name


def test_the_empty_parser_knows_only_the_locustfile_and_config(ap):
    parser = ap.get_empty_argument_parser()
    assert isinstance(parser, ap.LocustArgumentParser)
    options = parser.parse_args(["-f", "shop.py", "--config", "x.conf"])
    assert (options.locustfile, options.config) == ("shop.py", "x.conf")
    assert parser.parse_args([]).locustfile == "locustfile.py"
    with pytest.raises(SystemExit):
        parser.parse_args(["-u", "3"])
    assert "-h" in parser._option_string_actions
    assert "-h" not in ap.get_empty_argument_parser(add_help=False)._option_string_actions


def test_setup_parser_arguments_completes_the_parser_as_the_command_has_it(ap):
    parser = ap.get_empty_argument_parser()
    ap.setup_parser_arguments(parser)
    expected = [(a.dest, a.option_strings) for a in build_parser()._actions]
    assert [(a.dest, a.option_strings) for a in parser._actions] == expected
    assert parser.format_help() == build_parser().format_help()


def test_setup_parser_arguments_on_another_parser_says_what_to_use(ap):
    with pytest.raises(TypeError, match="get_empty_argument_parser"):
        ap.setup_parser_arguments(argparse.ArgumentParser())


def test_get_parser_fires_init_command_line_parser(ap, custom_options):
    parser = ap.get_parser()
    assert parser.parse_args(["--shop-id", "7"]).shop_id == "7"


def test_parse_options_reads_the_config_files_and_environment(ap, monkeypatch, custom_options):
    Path("locust.conf").write_text("users = 4\nhost = http://conf\n")
    monkeypatch.setenv("LOCUST_HOST", "http://127.0.0.1:1")
    monkeypatch.setenv("LOCUST_SHOP_ID", "42")

    options = ap.parse_options(["--headless", "-r", "2"])

    assert (options.num_users, options.spawn_rate, options.headless) == (4, 2.0, True)
    assert options.host == "http://127.0.0.1:1"  # env beats the config file
    assert options.shop_id == "42"  # a locustfile's option, from its env var
    assert ap.parse_options(["-H", "http://127.0.0.1:2"]).host == "http://127.0.0.1:2"


def test_parse_options_reads_the_config_option(ap, tmp_path):
    conf = tmp_path / "other.conf"
    conf.write_text("run-time = 90s\n")
    assert ap.parse_options(["--config", str(conf)]).run_time == 90


def test_a_parser_reads_only_its_own_config_files(ap, tmp_path):
    (tmp_path / "mine.conf").write_text("users = 9\n")
    Path("locust.conf").write_text("users = 4\n")
    parser = ap.get_empty_argument_parser(default_config_files=[str(tmp_path / "mine.conf")])
    ap.setup_parser_arguments(parser)
    assert ap._parse(parser, []).num_users == 9


def test_full_history_without_csv_is_an_argparse_error(ap, capsys):
    with pytest.raises(SystemExit) as raised:
        ap.parse_options(["--csv-full-history"])
    assert raised.value.code == 2
    assert "'--csv-full-history' requires '--csv'." in capsys.readouterr().err


def test_default_args_dict_holds_the_builtin_options_only(ap, monkeypatch, custom_options):
    Path("locust.conf").write_text("users = 4\n")
    monkeypatch.setenv("LOCUST_HOST", "http://127.0.0.1:1")

    defaults = ap.default_args_dict()

    assert set(defaults) == {a.dest for a in build_parser()._actions} - {"help"}
    assert defaults["master_bind_port"] == 5557
    assert defaults["num_users"] is None  # config files are not read
    assert defaults["host"] == "http://127.0.0.1:1"  # environment variables are
    assert "shop_id" not in defaults


def test_ui_extra_args_dict_describes_the_locustfiles_own_options(ap, custom_options):
    extra = ap.ui_extra_args_dict(["--shop-id", "5"])

    assert set(extra) == {"shop_id", "api_key", "region"}  # --internal is hidden
    assert extra["shop_id"] == {
        "default_value": "5",
        "is_secret": False,
        "is_required": False,
        "is_multiple": False,
        "help_text": "Shop",
        "choices": None,
    }
    assert extra["api_key"]["is_secret"]
    assert extra["api_key"]["is_required"]
    assert extra["region"]["choices"] == ["eu", "us"]
    assert extra["region"]["is_multiple"]


def test_ui_extra_args_dict_is_empty_without_custom_options(ap):
    assert ap.ui_extra_args_dict([]) == {}
