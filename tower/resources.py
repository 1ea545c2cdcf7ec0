"""Where tower's data folders are: the SQL migrations and the web assets.

In a checkout they are the top-level `sql/` and `assets/` folders; in an installed wheel they
ship inside the package as `tower/_resources/<name>` (setup.py copies them at build time). The
packaged copy wins when it exists, so a wheel never reads some unrelated `sql/` folder that
happens to sit beside site-packages.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder `name` ("sql" or "assets"): the packaged copy, else the checkout's. When
    neither exists the checkout path is returned, and callers that need files say so."""
    packaged = PACKAGE_DIR / "_resources" / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / name
