"""Finding the tools the benchmark runs, and installing the missing ones.

nginx, wrk and taskset come from Debian (apt-get). Locust lives in its own venv,
``benchmarks/.venv-locust``, so that it never lands in the project's venv (its
``import locust`` must keep resolving to horde's compat layer there).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LOCUST_VERSION", "SetupError", "Tools", "ensure_tools", "python_of"]

LOCUST_VERSION = "2.47.0"
BENCHMARKS_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCHMARKS_DIR.parent
LOCUST_VENV = BENCHMARKS_DIR / ".venv-locust"

# Binary name -> the Debian package that ships it.
_DEBIAN_PACKAGES = {"taskset": "util-linux", "nginx": "nginx", "wrk": "wrk"}
# nginx lives in /usr/sbin, which is not on every user's PATH.
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
_INSTALL_TIMEOUT_SECONDS = 900


class SetupError(Exception):
    """A tool the benchmark needs is missing and could not be installed."""


@dataclass(frozen=True)
class Tools:
    """Absolute paths of the programs a benchmark run starts."""

    taskset: str
    nginx: str
    wrk: str
    horde: str
    locust: str


def ensure_tools(horde: str | None = None) -> Tools:
    """Return every tool's path, installing what is missing.

    Args:
        horde: the ``horde`` executable to benchmark; found in the repo's
            ``.venv`` or on PATH when not given.

    Raises:
        SetupError: a tool is missing and could not be installed.
    """
    _install_debian_packages_for_missing()
    return Tools(
        taskset=_which("taskset"),
        nginx=_which("nginx"),
        wrk=_which("wrk"),
        horde=_find_horde(horde),
        locust=_ensure_locust(),
    )


def python_of(executable: str) -> str:
    """The interpreter a console script runs under (its venv's python, else its shebang)."""
    sibling = Path(executable).parent / "python"
    if sibling.exists():
        return str(sibling)
    first_line = Path(executable).read_text(errors="replace").splitlines()[0]
    return first_line.removeprefix("#!").strip() if first_line.startswith("#!") else sys.executable


def _which(binary: str) -> str:
    path = shutil.which(binary, path=_SEARCH_PATH)
    if path is None:
        raise SetupError(f"{binary} not found on PATH, /usr/sbin or /sbin")
    return path


def _install_debian_packages_for_missing() -> None:
    missing = sorted(
        {
            package
            for binary, package in _DEBIAN_PACKAGES.items()
            if shutil.which(binary, path=_SEARCH_PATH) is None
        }
    )
    if not missing:
        return
    command_text = f"apt-get install -y {' '.join(missing)}"
    if os.geteuid() != 0:
        raise SetupError(
            f"missing Debian packages {missing}; install them with: sudo {command_text}"
        )
    print(f"installing {', '.join(missing)} with apt-get ...", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run_or_fail(["apt-get", "update", "-qq"], "apt-get update", environment)
    _run_or_fail(["apt-get", "install", "-y", "-qq", *missing], command_text, environment)


def _find_horde(explicit: str | None) -> str:
    candidates = [explicit] if explicit else [str(REPO_DIR / ".venv" / "bin" / "horde")]
    if not explicit:
        candidates.append(shutil.which("horde") or "")
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SetupError(
        f"horde executable not found (looked at {[c for c in candidates if c]}); "
        "run `make test` to create .venv with horde, or pass --horde PATH"
    )


def _ensure_locust() -> str:
    locust = LOCUST_VENV / "bin" / "locust"
    if _installed_locust_version(locust) == LOCUST_VERSION:
        return str(locust)
    print(f"installing locust=={LOCUST_VERSION} into {LOCUST_VENV} ...", flush=True)
    _run_or_fail([sys.executable, "-m", "venv", str(LOCUST_VENV)], "python3 -m venv")
    pip = str(LOCUST_VENV / "bin" / "pip")
    _run_or_fail([pip, "install", "-q", f"locust=={LOCUST_VERSION}"], "pip install locust")
    if _installed_locust_version(locust) != LOCUST_VERSION:
        raise SetupError(f"locust {LOCUST_VERSION} did not install into {LOCUST_VENV}")
    return str(locust)


def _installed_locust_version(locust: Path) -> str | None:
    if not locust.exists():
        return None
    result = subprocess.run(
        [str(locust), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    # "locust 2.47.0 from /path/to/locust (Python 3.11.7)"
    words = result.stdout.split()
    return words[1] if len(words) > 1 and words[0] == "locust" else None


def _run_or_fail(command: list[str], what: str, environment: dict[str, str] | None = None) -> None:
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=environment,
            timeout=_INSTALL_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SetupError(f"{what} failed: {error}") from error
    if result.returncode != 0:
        output_tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        raise SetupError(f"{what} failed (exit code {result.returncode}):\n{output_tail}")
