"""Errors with a plain message for the person at the terminal (a leaf: imports nothing of tower).

`tower.commands.main` prints these as one line on stderr and exits non-zero; every command
raises them for mistakes a person can fix (a missing file, a wrong option, an unknown user).
"""

from __future__ import annotations


class UserError(RuntimeError):
    """An error with a plain message for the person at the terminal."""
