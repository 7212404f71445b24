"""The installed version of horde."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("horde")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"
