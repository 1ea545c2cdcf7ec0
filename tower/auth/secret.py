"""The key that signs session cookies: TOWER_SECRET_KEY, or one generated once per data dir.

Keeping the generated key in the data directory means sessions survive a restart and every
web process started on the same data dir agrees on it; set TOWER_SECRET_KEY when web processes
run on several machines.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from tower.config import Settings

KEY_FILE = "secret_key"


def secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / KEY_FILE
    if path.is_file():
        key = path.read_text().strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: if two processes start together, one writes and the other reads the winner's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
