"""Logging setup: Locust's line format, to stderr or a file."""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path

__all__ = ["STATS_LOGGER", "setup_logging"]

STATS_LOGGER = "horde.stats_logger"
"""Console tables are logged here, as bare lines on stderr, even with ``--logfile``."""


def setup_logging(loglevel: str, logfile: str | None = None) -> None:
    """Configure the root logger (``[time] host/LEVEL/logger: message``) and the tables logger.

    Raises:
        ValueError: For an unknown level name.
    """
    level = loglevel.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ValueError(
            f"invalid log level {loglevel!r}: use DEBUG, INFO, WARNING, ERROR or CRITICAL"
        )
    hostname = socket.gethostname().split(".")[0]
    formatter = logging.Formatter(f"[%(asctime)s] {hostname}/%(levelname)s/%(name)s: %(message)s")
    handler: logging.Handler
    if logfile:
        Path(logfile).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(logfile, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

    tables = logging.getLogger(STATS_LOGGER)
    table_handler = logging.StreamHandler(sys.stderr)
    table_handler.setFormatter(logging.Formatter("%(message)s"))
    tables.handlers[:] = [table_handler]
    tables.propagate = False
    tables.setLevel(logging.INFO)
