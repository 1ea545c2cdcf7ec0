"""`tower` commands against real servers: plain one-line errors, non-zero exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

from tower.pg import free_port


def _tower(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "tower", *args], capture_output=True, text=True,
                          env=full, timeout=120)


def test_an_unreachable_server_gives_one_plain_line_and_a_non_zero_exit():
    port = free_port()
    res = _tower("migrate", env={"TOWER_DATABASE_URL": f"postgresql://tower:pw@127.0.0.1:{port}/tower"})
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0, res.stderr
    assert "cannot reach the database" in res.stderr and "pw@" not in res.stderr


def test_a_wrong_password_is_named_as_such(server_url):
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS tower_pw_test")
        conn.execute("CREATE ROLE tower_pw_test LOGIN PASSWORD 'right'")
        hba = conn.execute("SHOW hba_file").fetchone()[0]
        # The test cluster trusts loopback; make it check this one role's password.
        with open(hba) as f:
            rules = f.read()
        if "tower_pw_test" not in rules:
            with open(hba, "w") as f:
                f.write("host all tower_pw_test 127.0.0.1/32 scram-sha-256\n" + rules)
            conn.execute("SELECT pg_reload_conf()")
    host = server_url.split("@", 1)[1]
    res = _tower("db", "status", env={"TOWER_DATABASE_URL": f"postgresql://tower_pw_test:wrong@{host}"})
    assert res.returncode == 1
    assert "refused the user or password" in res.stderr
    assert "Traceback" not in res.stderr and "wrong" not in res.stderr


def test_migrate_on_a_configured_server_is_idempotent(db_url):
    first = _tower("migrate", env={"TOWER_DATABASE_URL": db_url})
    second = _tower("migrate", env={"TOWER_DATABASE_URL": db_url})
    assert first.returncode == 0 and second.returncode == 0
    assert "nothing to do" in second.stdout


def test_a_bad_setting_stops_tower_with_a_plain_message():
    res = _tower("migrate", env={"TOWER_WEB_PORT": "many"})
    assert res.returncode == 1 and res.stderr.startswith("tower: TOWER_WEB_PORT")


def test_every_command_explains_itself():
    res = _tower("db", "--help", env={})
    assert res.returncode == 0 and "embedded Postgres" in res.stdout
    res = _tower("migrate", "--help", env={})
    assert "idempotent" in res.stdout or "no-op" in res.stdout
