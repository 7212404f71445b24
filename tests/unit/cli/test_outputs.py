"""Output files are written whole or not at all."""

from __future__ import annotations

import errno
from pathlib import Path

from horde.cli._run import _write


def test_a_write_replaces_the_file_and_leaves_nothing_beside_it(tmp_path):
    target = tmp_path / "summary.json"
    target.write_text("old")
    assert _write(target, "new", "--summary-json")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_a_write_through_a_symbolic_link_writes_its_target(tmp_path):
    target = tmp_path / "reports" / "latest.html"
    target.parent.mkdir()
    link = tmp_path / "report.html"
    link.symlink_to(target)
    assert _write(link, "<html>", "--html")
    assert link.is_symlink()
    assert target.read_text() == "<html>"


def test_a_failed_write_leaves_the_previous_file_as_it_was(tmp_path, monkeypatch, caplog):
    target = tmp_path / "summary.json"
    target.write_text('{"exit_code": 0}')
    real = Path.write_text

    def disk_full(self: Path, text: str, **kwargs: object) -> int:
        real(self, text[:5], **kwargs)  # some of it made it to the disk
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    assert not _write(target, '{"exit_code": 1, "more": "..."}', "--summary-json")
    assert target.read_text() == '{"exit_code": 0}'
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]
    assert f"--summary-json: could not write {target}" in caplog.text
    assert "No space left on device" in caplog.text


def test_a_write_that_cannot_replace_a_folder_leaves_it(tmp_path):
    target = tmp_path / "report.html"
    target.mkdir()
    assert not _write(target, "<html>", "--html")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert target.is_dir()
