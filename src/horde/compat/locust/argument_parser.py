"""``locust.argument_parser``: the option parser locustfiles extend."""

from horde.cli import HordeArgumentParser, build_parser

LocustArgumentParser = HordeArgumentParser


def get_parser() -> HordeArgumentParser:
    """A fresh parser with every built-in option."""
    return build_parser()


__all__ = ["LocustArgumentParser", "get_parser"]
