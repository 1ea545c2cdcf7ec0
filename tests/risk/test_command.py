"""`tower risk backtest [--json]` prints the backtest of the model in service."""

from __future__ import annotations

import json

from tower.commands.main import main


def test_risk_backtest_json_has_the_model_and_the_baseline_with_their_figures(history, training, monkeypatch, capsys):
    engine, _, _ = history
    monkeypatch.setenv("TOWER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert main(["risk", "backtest", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == training.version
    for name in ("model", "baseline"):
        for key in ("brier", "auc", "precision", "recall", "n"):
            assert doc[name][key] == training.backtest[name][key]
    assert doc["model"]["n"] == doc["baseline"]["n"] > 0
    assert main(["risk", "backtest"]) == 0
    text = capsys.readouterr().out
    assert "baseline" in text and f"{training.backtest['model']['brier']:.3f}" in text


def test_risk_backtest_without_a_model_says_what_to_do(db_url, monkeypatch, capsys):
    monkeypatch.setenv("TOWER_DATABASE_URL", db_url)
    assert main(["risk", "backtest"]) == 1
    assert "tower risk train" in capsys.readouterr().err
