"""`tower tokens create|list|revoke` against a real database, and the token working over the API."""

from __future__ import annotations

import os
import subprocess
import sys

from tower.auth import tokens, users
from tower.db import make_engine


def _tower(*args: str, db_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tower", *args], capture_output=True, text=True,
                          env={**os.environ, "TOWER_DATABASE_URL": db_url}, timeout=120)


def test_a_token_is_shown_once_stored_hashed_listed_and_revoked(db_url) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        users.add(conn=conn, username="erp-bot", password="long enough pw", role="admin")
    made = _tower("tokens", "create", "--user", "erp-bot", "--scopes", "orders:read,milestones:write",
                  "--expires", "30d", "--label", "erp push", db_url=db_url)
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("tower_")
    with engine.connect() as conn:
        listed = tokens.list_tokens(conn=conn)
        stored = conn.exec_driver_sql("SELECT token_hash FROM api_tokens").scalar_one()
    assert stored == tokens.hash_secret(secret) and secret not in stored
    shown = _tower("tokens", "list", db_url=db_url)
    assert "erp-bot" in shown.stdout and "live" in shown.stdout and secret not in shown.stdout
    token_id = int(listed["token_id"].iloc[0])
    assert _tower("tokens", "revoke", str(token_id), db_url=db_url).returncode == 0
    assert "revoked" in _tower("tokens", "list", db_url=db_url).stdout
    again = _tower("tokens", "revoke", str(token_id), db_url=db_url)
    assert again.returncode == 1 and "no live token" in again.stderr
    engine.dispose()


def test_a_scope_beyond_the_users_role_is_a_plain_error(db_url) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        users.add(conn=conn, username="casey", password="long enough pw", role="cs")
    engine.dispose()
    res = _tower("tokens", "create", "--user", "casey", "--scopes", "kpis:read", db_url=db_url)
    assert res.returncode == 1 and "may not hold kpis:read" in res.stderr and "Traceback" not in res.stderr
