"""``python -m horde.demo``: serve the demo shop in the foreground."""

import sys

from horde.demo._cli import main

sys.exit(main())
