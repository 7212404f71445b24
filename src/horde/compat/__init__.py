"""Locust compatibility: ``import locust`` resolves to horde while a run is active.

:mod:`horde.compat.locust` mirrors the module paths locustfiles and plugins import
(``locust``, ``locust.env``, ``locust.runners``, ``locust.stats``, ``locust.contrib.fasthttp``
...). Being the alias of the whole public surface, it may import from any horde package,
the command line's parser included.
"""

from horde.compat._finder import locust_alias

__all__ = ["locust_alias"]
