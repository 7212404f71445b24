"""What a result was measured on: CPU, kernel, and each tool's version."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from pathlib import Path

from _setup import Tools

__all__ = ["describe_environment"]


def describe_environment(tools: Tools) -> dict[str, str]:
    """The machine and tool versions, for the JSON and markdown outputs."""
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "horde": _first_line([tools.horde, "--version"]),
        "locust": _first_line([tools.locust, "--version"]),
        "nginx": _first_line([tools.nginx, "-v"]),
        "wrk": _first_line([tools.wrk, "--version"]),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _first_line(command: list[str]) -> str:
    # nginx prints its version on stderr, wrk prints it before its usage and exits 1.
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = (result.stdout + result.stderr).strip().splitlines()
    # Drop install paths and copyright lines: "locust 2.47.0 from /path (Python 3.11.7)".
    return re.sub(r" (from|Copyright) .*", "", lines[0]) if lines else "unknown"
