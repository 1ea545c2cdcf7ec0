"""Running `tower ...` in-process against a test database, and reading `kpis show --json`."""

from __future__ import annotations

import json

import pytest

from tower.commands.main import main


def tower(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, db_url: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("TOWER_DATABASE_URL", db_url)
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().out


def kpis(monkeypatch, capsys, db_url: str, *args: str) -> dict:
    """`tower kpis show --json ...` parsed, with the KPIs keyed by id."""
    code, out = tower(monkeypatch, capsys, db_url, "kpis", "show", "--json", *args)
    assert code == 0, out
    result = json.loads(out)
    result["by_id"] = {k["id"]: k for k in result["kpis"]}
    return result
