"""The public surface of horde.demo."""

from __future__ import annotations

import horde.demo


def test_all_is_sorted_and_complete():
    assert horde.demo.__all__ == sorted(horde.demo.__all__)
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
        "start_server_process",
    ]
    for name in horde.demo.__all__:
        assert getattr(horde.demo, name) is not None


def test_the_bundled_locustfile_ships_inside_the_package():
    assert horde.demo.LOCUSTFILE.name == "locustfile.py"
    assert horde.demo.LOCUSTFILE.parent.name == "demo"
    assert horde.demo.LOCUSTFILE.is_file()


def test_errors_belong_to_the_horde_tree():
    from horde.exceptions import HordeError

    assert issubclass(horde.demo.DemoServerError, HordeError)
    assert issubclass(horde.demo.PoolTimeoutError, HordeError)
