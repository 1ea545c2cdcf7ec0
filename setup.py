"""One build step on top of pyproject.toml: ship the top-level `sql/` and `assets/` folders
inside the wheel, as `tower/_resources/sql` and `tower/_resources/assets`.

The checkout keeps them at the top (where contributors and `sql/schema.sql` tests expect
them); an installed wheel has no checkout beside it, so `tower.resources` looks inside the
package first and falls back to the checkout. Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
RESOURCES = ("sql", "assets")  # top-level folders -> tower/_resources/<name>


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's folders directly
        for name in RESOURCES:
            source = ROOT / name
            if not source.is_dir():
                raise SystemExit(f"setup.py: the {name}/ folder is missing; the wheel would be unusable")
            self.copy_tree(str(source), str(Path(self.build_lib) / "tower" / "_resources" / name))


setup(cmdclass={"build_py": BuildPyWithResources})
