import textwrap

import pytest

from horde.cli._locustfile import load_locustfiles, resolve_locustfiles
from horde.compat import locust_alias
from horde.exceptions import LocustfileError


def write(path, text):
    path.write_text(textwrap.dedent(text))
    return path


def test_missing_file_message(tmp_path):
    with pytest.raises(LocustfileError) as info:
        resolve_locustfiles(str(tmp_path / "nofile.py"))
    assert "Could not find '" in str(info.value)
    assert "Ensure your locustfile ends with '.py'" in str(info.value)
    assert info.value.exit_code == 1


def test_directory_is_searched_recursively_skipping_underscore_files(tmp_path):
    write(tmp_path / "a.py", "")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "b.py", "")
    write(tmp_path / "_private.py", "")
    names = sorted(p.name for p in resolve_locustfiles(str(tmp_path)))
    assert names == ["a.py", "b.py"]


def test_empty_directory(tmp_path):
    with pytest.raises(LocustfileError, match="Could not find any locustfiles in directory"):
        resolve_locustfiles(str(tmp_path))


def test_user_and_shape_classes_are_found(tmp_path):
    path = write(
        tmp_path / "lf_found.py",
        """
        from locust import HttpUser, LoadTestShape, User, task

        class Base(HttpUser):
            abstract = True

        class Shopper(Base):
            @task
            def t(self):
                pass

        class Shape(LoadTestShape):
            def tick(self):
                return None
        """,
    )
    with locust_alias():
        loaded = load_locustfiles([path])
    assert list(loaded.user_classes) == ["Shopper"]
    assert list(loaded.shapes) == ["Shape"]


def test_syntax_error_is_one_clear_line(tmp_path):
    path = write(tmp_path / "lf_broken.py", "def oops(:\n")
    with pytest.raises(LocustfileError) as info:
        load_locustfiles([path])
    assert "Syntax error in locustfile" in str(info.value)
    assert "line 1" in str(info.value)


def test_import_error_names_the_line(tmp_path):
    path = write(tmp_path / "lf_raises.py", "x = 1\nimport not_a_module_anywhere\n")
    with pytest.raises(LocustfileError) as info:
        load_locustfiles([path])
    message = str(info.value)
    assert "ModuleNotFoundError" in message
    assert "line 2" in message


def test_duplicate_class_names_across_files(tmp_path):
    body = "from horde import User, task\nclass Same(User):\n    @task\n    def t(self): pass\n"
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = write(tmp_path / "one" / "lf_dup_a.py", body)
    second = write(tmp_path / "two" / "lf_dup_b.py", body)
    with pytest.raises(
        LocustfileError, match="Duplicate user class names: Same is defined in both"
    ):
        load_locustfiles([first, second])
