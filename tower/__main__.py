"""`python -m tower ...` is the `tower` command (how `tower run` starts its child processes)."""

import sys

from tower.commands.main import main

sys.exit(main())
