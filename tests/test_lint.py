"""The code stays clean: ruff and mypy --strict, run as part of the suite so CI holds them."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: install the dev extras (pip install -e '.[dev]')")
    return found


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["ruff", "check", "src", "tests", "benchmarks"], id="ruff-check"),
        pytest.param(["ruff", "format", "--check", "src", "tests", "benchmarks"], id="ruff-format"),
        pytest.param(["mypy"], id="mypy"),
        # The benchmark scripts (not their locustfiles, plain Locust-style code).
        pytest.param(
            ["mypy", "benchmarks", "--exclude", "benchmarks/locustfiles/"], id="mypy-benchmarks"
        ),
    ],
)
def test_clean(command):
    result = subprocess.run(
        [tool(command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
