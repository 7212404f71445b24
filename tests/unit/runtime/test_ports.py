"""The local port range, read from the kernel's setting."""

from __future__ import annotations

from pathlib import Path

from horde.runtime import local_ports


def test_the_range_is_read_and_half_of_it_is_quick(tmp_path: Path) -> None:
    setting = tmp_path / "ip_local_port_range"
    setting.write_text("32768\t60999\n")
    ports = local_ports(setting)
    assert ports is not None
    assert (ports.low, ports.high) == (32768, 60999)
    assert ports.without_search == 14_116  # connect() takes the even ports first
    assert str(ports) == "32768-60999"


def test_an_unreadable_range_is_none(tmp_path: Path) -> None:
    assert local_ports(tmp_path / "missing") is None
    garbled = tmp_path / "garbled"
    garbled.write_text("not ports\n")
    assert local_ports(garbled) is None
