"""Print the package-level import graph of tower/ and collectors/ (which package imports which).

Run from the repository root: ``.venv/bin/python tools/import_graph.py`` (add ``--modules`` for
the module-level map). It asks ``ruff analyze graph`` for the file-level map (ruff resolves
every static import; ``--detect-string-imports`` also shows modules loaded by name through
importlib) and folds it into packages: ``tower/store/ingest.py`` counts as ``tower.store``,
``tower/clock.py`` as ``tower.clock``, the top-level modules of ``collectors/`` as ``collectors``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOTS = ("tower", "collectors")


def package_of(path: str) -> str | None:
    """The package a source file belongs to, or None for files outside tower/ and collectors/."""
    parts = Path(path).with_suffix("").parts
    if not parts or parts[0] not in ROOTS:
        return None
    if len(parts) == 2:  # a top-level module: tower/clock.py, collectors/runner.py
        return parts[0] if parts[0] == "collectors" or parts[1] == "__init__" else ".".join(parts)
    return ".".join(parts[:2])


def file_graph() -> dict[str, list[str]]:
    """ruff's file -> imported files map for tower/ and collectors/."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    out = subprocess.run(
        [ruff, "analyze", "graph", "--detect-string-imports", *ROOTS],
        check=True, capture_output=True, text=True,
    ).stdout
    graph: dict[str, list[str]] = json.loads(out)
    return graph


def main() -> int:
    graph = file_graph()
    if "--modules" in sys.argv[1:]:
        for source, targets in sorted(graph.items()):
            print(f"{source}: {', '.join(sorted(targets))}")
        return 0
    edges: dict[str, set[str]] = defaultdict(set)
    for source, targets in graph.items():
        src = package_of(source)
        if src is None:
            continue
        edges.setdefault(src, set())
        for target in targets:
            dst = package_of(target)
            if dst is not None and dst != src:
                edges[src].add(dst)
    width = max(len(p) for p in edges)
    for package in sorted(edges):
        print(f"{package:<{width}} -> {', '.join(sorted(edges[package])) or '(nothing)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
