"""Make ``import locust`` (and its submodules) resolve to horde while a run is active.

A finder placed first on ``sys.meta_path`` answers for ``locust`` and ``locust.*``
with the modules of :mod:`horde.compat.locust`, so an installed Locust package is
never imported, and unmodified locustfiles get horde's classes. Deactivating removes
the finder and restores whatever ``sys.modules`` held before.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType

__all__ = ["locust_alias"]

# What a locustfile imports → what it gets while horde runs it. gevent is there because
# locustfiles call gevent.spawn/sleep/lock; the real one cannot work beside asyncio.
_ALIASES = {"locust": "horde.compat.locust", "gevent": "horde.compat.gevent"}


def _aliased(name: str) -> str | None:
    """The alias ``name`` falls under (``locust`` for ``locust.env``), if any."""
    top = name.partition(".")[0]
    return top if top in _ALIASES else None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target
        self._original_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self._original_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The target module already ran; the import system replaced its __spec__ with
        # the alias's, so put the real one back.
        module.__spec__ = self._original_spec


class _LocustFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        alias = _aliased(fullname)
        if alias is None:
            return None
        real = _ALIASES[alias] + fullname[len(alias) :]
        if importlib.util.find_spec(real) is None:
            return None  # an import error naming the locust module, as the user wrote it
        is_package = hasattr(importlib.import_module(real), "__path__")
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real), is_package=is_package)


@contextlib.contextmanager
def locust_alias() -> Iterator[None]:
    """Within the block, ``import locust...`` (and ``gevent``) give horde's modules."""
    saved = {name: mod for name, mod in sys.modules.items() if _aliased(name)}
    for name in saved:
        del sys.modules[name]
    finder = _LocustFinder()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if _aliased(n)]:
            del sys.modules[name]
        sys.modules.update(saved)
