"""The public surface of horde.demo."""

from __future__ import annotations

import horde.demo


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_all_is_sorted_and_complete():
    exported = horde.demo.__all__
    assert exported == sorted(exported, key=_isort_key)
    public = {name for name in vars(horde.demo) if not name.startswith("_")}
    submodules = {name for name in public if type(getattr(horde.demo, name)).__name__ == "module"}
    assert set(exported) == public - submodules


def test_exported_names():
    assert horde.demo.__all__ == [
        "API_KEY",
        "LOCUSTFILE",
        "PASSWORD",
        "PROFILES",
        "DemoConfig",
        "DemoServer",
        "DemoServerError",
        "PoolTimeoutError",
        "create_app",
        "serve",
        "serve_command",
        "start_server_process",
    ]


def test_the_bundled_locustfile_ships_inside_the_package():
    assert horde.demo.LOCUSTFILE.name == "locustfile.py"
    assert horde.demo.LOCUSTFILE.parent.name == "demo"
    assert horde.demo.LOCUSTFILE.is_file()


def test_errors_belong_to_the_horde_tree():
    from horde.exceptions import HordeError

    assert issubclass(horde.demo.DemoServerError, HordeError)
    assert issubclass(horde.demo.PoolTimeoutError, HordeError)
