"""Finding and importing locustfiles, and collecting their user and shape classes."""

from __future__ import annotations

import importlib.util
import inspect
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from horde.engine import LoadTestShape
from horde.exceptions import LocustfileError
from horde.user import User, pytest_user_classes

__all__ = ["LoadedLocustfiles", "load_locustfiles", "resolve_locustfiles"]


@dataclass
class LoadedLocustfiles:
    """What the locustfiles define, merged across files."""

    paths: list[Path]
    user_classes: dict[str, type[User]] = field(default_factory=dict)
    shapes: dict[str, LoadTestShape] = field(default_factory=dict)


def resolve_locustfiles(spec: str) -> list[Path]:
    """Expand ``-f``: comma-separated files and directories (searched for ``*.py``).

    Raises:
        LocustfileError: For a missing path, a non-Python file, a URL or an empty directory.
    """
    paths: list[Path] = []
    for piece in (part.strip() for part in spec.split(",")):
        if piece.startswith(("http://", "https://")):
            raise LocustfileError(
                f"Cannot use the locustfile URL '{piece}': download it and pass the file's path"
            )
        if piece == "-":
            raise LocustfileError(
                "-f - (a worker fetching the locustfile from its master) is not available: "
                "copy the locustfile to the worker and pass its path"
            )
        path = Path(piece)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*.py") if p.is_file() and not p.name.startswith("_")
            )
            if not found:
                raise LocustfileError(f"Could not find any locustfiles in directory '{piece}'")
            paths.extend(found)
        elif path.is_file() and path.suffix == ".py":
            paths.append(path)
        else:
            raise LocustfileError(
                f"Could not find '{piece}'. Ensure your locustfile ends with '.py' or is a "
                "directory with locustfiles. See --help for available options."
            )
    return paths


def _import(path: Path) -> ModuleType:
    directory = str(path.resolve().parent)
    for entry in (directory, str(Path.cwd())):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    name = "locustfile" if path.stem == "locust" else path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LocustfileError(f"Cannot import '{path}': not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise LocustfileError(
            f"Syntax error in locustfile '{path}', line {exc.lineno}: {exc.msg}"
        ) from None
    except Exception as exc:
        raise LocustfileError(
            f"Error importing locustfile '{path}': {_describe(exc, path)}"
        ) from None
    return module


def _describe(exc: BaseException, path: Path) -> str:
    """The exception and the deepest line of the locustfile it came through."""
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path.resolve()
    ]
    where = f" (line {frames[-1].lineno}: {frames[-1].line})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}{_import_hint(exc)}"


#: What horde runs of gevent, for the error of a locustfile that imports more.
_GEVENT_PROVIDED = (
    "Greenlet, spawn, spawn_later, joinall, wait, iwait, kill, killall, sleep, idle, "
    "getcurrent, Timeout, with_timeout, GreenletExit, lock, event, queue and pool"
)


def _import_hint(exc: BaseException) -> str:
    """What to do about a failed import: what horde has of ``locust`` or ``gevent``, or
    how to install a missing package."""
    if not isinstance(exc, ImportError):
        return ""
    top = (exc.name or "").replace("horde.compat.", "").split(".")[0]
    if top == "gevent":
        return (
            f". Of gevent, horde runs {_GEVENT_PROVIDED} (on its own loop, not gevent's): "
            "use those, or asyncio in an async def task"
        )
    if top == "locust":
        return (
            ". horde does not provide this part of Locust's API; the README's 'Writing "
            "users' and 'Not yet available' sections list what it runs"
        )
    if isinstance(exc, ModuleNotFoundError) and top and importlib.util.find_spec(top) is None:
        return (
            f". Install it where horde runs: {sys.executable} -m pip install {top} "
            "(if that is its package's name)"
        )
    return ""


def _classes(module: ModuleType) -> tuple[dict[str, type[User]], dict[str, type[LoadTestShape]]]:
    users: dict[str, type[User]] = {}
    shapes: dict[str, type[LoadTestShape]] = {}
    for value in vars(module).values():
        if not inspect.isclass(value) or value.__dict__.get("abstract", False):
            continue
        if issubclass(value, User) and not value.abstract:
            users[value.__name__] = value
        elif issubclass(value, LoadTestShape) and not value.abstract:
            shapes[value.__name__] = value
    return users, shapes


def load_locustfiles(paths: list[Path]) -> LoadedLocustfiles:
    """Import each file and merge their classes by name.

    Raises:
        LocustfileError: For an import error, or one class name defined in two files.
    """
    loaded = LoadedLocustfiles(paths)
    modules = []
    for path in paths:
        modules.append((path, module := _import(path)))
        users, shapes = _classes(module)
        _add_users(loaded, users)
        for name, shape_class in shapes.items():
            if name in loaded.shapes and type(loaded.shapes[name]) is not shape_class:
                raise LocustfileError(f"Duplicate shape classes: {name}")
            if name not in loaded.shapes:
                try:
                    loaded.shapes[name] = shape_class()
                except Exception as exc:
                    raise LocustfileError(
                        f"Error creating the shape {name} of '{path}': {_describe(exc, path)}"
                    ) from None
    if not loaded.user_classes:  # as in Locust: pytest-style functions when no user class
        for path, module in modules:
            try:
                _add_users(loaded, pytest_user_classes(module))
            except LocustfileError as exc:
                raise LocustfileError(f"Locustfile '{path}': {exc}") from None
    return loaded


def _add_users(loaded: LoadedLocustfiles, users: dict[str, type[User]]) -> None:
    for name, user_class in users.items():
        known = loaded.user_classes.get(name)
        if known is not None and inspect.getfile(known) != inspect.getfile(user_class):
            raise LocustfileError(
                f"Duplicate user class names: {name} is defined in both "
                f"{inspect.getfile(known)} and {inspect.getfile(user_class)}"
            )
        loaded.user_classes[name] = user_class
