"""`tower rules ...` from the command line, against a real database."""

from tower.commands.main import main


def test_check_policy_reports_a_valid_policy(capsys):
    assert main(["rules", "check-policy"]) == 0
    assert "valid" in capsys.readouterr().out


def test_check_policy_names_the_error_in_a_broken_policy(tmp_path, capsys):
    bad = tmp_path / "policy.yaml"
    bad.write_text("version: 1\ncalendars: {}\n")
    assert main(["rules", "check-policy", "--policy", str(bad)]) == 1
    assert "default_calendar" in capsys.readouterr().err


def test_evaluate_and_sweep_run_against_the_configured_database(db_url, monkeypatch, capsys):
    import sqlalchemy as sa

    from tests.evaluation.story import Story
    from tower.db import make_engine
    from tower.store.ingest import ingest

    engine = make_engine(db_url)
    with engine.begin() as conn:
        ingest(conn=conn, milestones=Story("SO-9").events)
    engine.dispose()
    monkeypatch.setenv("TOWER_DATABASE_URL", db_url)
    assert main(["rules", "evaluate", "--all"]) == 0
    assert "evaluated 1 orders" in capsys.readouterr().out
    assert main(["rules", "sweep"]) == 0
    engine = make_engine(db_url)
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT waiting_on IS NOT NULL FROM orders WHERE order_id = 'SO-9'")).scalar()
        assert conn.execute(sa.text("SELECT count(*) FROM rules_sweeps")).scalar() == 1
    engine.dispose()
