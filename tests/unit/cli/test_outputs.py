"""Output files are written whole or not at all."""

from __future__ import annotations

import errno
import io
import os
import stat
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

    class DiskFull(io.StringIO):
        def __init__(self, descriptor: int, *args: object, **kwargs: object) -> None:
            super().__init__()
            self.file = os.fdopen(descriptor, "w")

        def write(self, text: str) -> int:
            self.file.write(text[:5])  # some of it made it to the disk
            self.file.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self) -> None:
            self.file.close()

    monkeypatch.setattr("horde.cli._run.open", DiskFull, raising=False)
    assert not _write(target, '{"exit_code": 1, "more": "..."}', "--summary-json")
    assert target.read_text() == '{"exit_code": 0}'
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]
    assert f"--summary-json: could not write {target}" in caplog.text
    assert "No space left on device" in caplog.text


def test_a_replaced_file_keeps_its_permissions_and_a_new_one_gets_the_usual(tmp_path):
    kept, new = tmp_path / "kept.html", tmp_path / "new.html"
    kept.write_text("old")
    kept.chmod(0o640)
    assert _write(kept, "<html>", "--html")
    assert _write(new, "<html>", "--html")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask


def test_what_is_no_plain_file_is_written_to_as_it_is(tmp_path):
    link = tmp_path / "discard"
    link.symlink_to("/dev/null")
    assert _write(Path("/dev/null"), "{}", "--summary-json")
    assert _write(link, "{}", "--summary-json")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert link.is_symlink()


def test_a_write_that_cannot_replace_a_folder_leaves_it(tmp_path):
    target = tmp_path / "report.html"
    target.mkdir()
    assert not _write(target, "<html>", "--html")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert target.is_dir()
