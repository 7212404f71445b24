"""``python -m horde``."""

from horde.cli import main

main()
