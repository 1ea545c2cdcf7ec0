"""The embedded cluster: only its password gets in, tower's own commands need no configuration,
an older tower's trust cluster is closed in place, another major's data is refused plainly."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tower import pg_auth
from tower.pg import SUPERUSER, Cluster, ClusterError, _open_path_to, free_port


def _with_password(url: str, password: str | None) -> str:
    parts = urlsplit(url)
    auth = SUPERUSER + (f":{password}" if password is not None else "")
    return urlunsplit(parts._replace(netloc=f"{auth}@{parts.hostname}:{parts.port}"))


def _data_dir(server_url: str) -> Path:
    with psycopg.connect(server_url) as conn:
        row = conn.execute("SHOW data_directory").fetchone()
    assert row is not None
    return Path(row[0])


@pytest.fixture
def home():
    """A folder for a cluster of the test's own (not pytest's tmp_path: pytest makes that 0700,
    and as root the server runs as an unprivileged user that must reach it)."""
    path = Path(tempfile.mkdtemp(prefix="tower-test-pg-own-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _tower(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWER_")}
    env["TOWER_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "tower", *args], capture_output=True, text=True,
                          env=env, timeout=180)


def test_a_connection_without_a_password_is_refused(server_url):
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(_with_password(server_url, None), connect_timeout=5)


def test_a_wrong_password_is_refused(server_url):
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(_with_password(server_url, "not-the-password"), connect_timeout=5)


def test_the_password_file_is_private_and_no_rule_trusts_anyone(server_url):
    pgdata = _data_dir(server_url)
    secret = pgdata / pg_auth.SECRET_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.stat().st_uid == pgdata.stat().st_uid  # the server's user (root reads it anyway)
    assert secret.read_text().strip() == urlsplit(server_url).password
    assert not pg_auth.hba_trusts(pgdata)
    assert "trust" not in [line.split()[-1] for line in (pgdata / "pg_hba.conf").read_text().splitlines()
                           if line.strip() and not line.lstrip().startswith("#")]


def test_towers_own_commands_connect_with_no_configuration_and_mask_the_password(home):
    try:
        url = _tower("db", "url", data_dir=home)
        assert url.returncode == 0, url.stderr
        assert ":***@127.0.0.1:" in url.stdout
        shown = _tower("db", "url", "--show-password", data_dir=home)
        password = (home / "pg" / pg_auth.SECRET_FILE).read_text().strip()
        assert f":{password}@" in shown.stdout and password not in url.stdout
        migrated = _tower("migrate", data_dir=home)
        assert migrated.returncode == 0 and "applied 0001_milestone_store" in migrated.stdout, migrated.stderr
        assert password not in migrated.stdout + migrated.stderr
        with psycopg.connect(shown.stdout.strip()) as conn:
            assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] > 0
    finally:
        Cluster(home / "pg").stop()


def _wait_until_refused(url: str, timeout: float = 20) -> None:
    """The server reloads pg_hba.conf a moment after being asked; wait for that, bounded."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.OperationalError:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"a password-less connection is still accepted after {timeout} s")
        time.sleep(0.1)


def test_a_trust_cluster_made_by_an_older_tower_gets_a_password_and_keeps_its_data(home):
    cluster = Cluster(home / "data")
    cluster.pgdata.mkdir(parents=True)
    if cluster.user:
        import pwd

        info = pwd.getpwnam(cluster.user)
        os.chown(cluster.pgdata, info.pw_uid, info.pw_gid)
        _open_path_to(cluster.pgdata, cluster.bin_dir)
    cluster.pgdata.chmod(0o700)
    made = cluster._run("initdb", "-D", str(cluster.pgdata), "-U", SUPERUSER, "--auth=trust",
                        "--encoding=UTF8", "--locale=C", timeout=120)  # what tower did before
    assert made.returncode == 0, made.stderr
    port = free_port()
    started = cluster._run("pg_ctl", "-D", str(cluster.pgdata), "-w", "-l", str(cluster.pgdata / "server.log"),
                           "-o", f"-p {port} -c listen_addresses=127.0.0.1", "start", timeout=90)
    assert started.returncode == 0, started.stderr
    try:
        old_url = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
        with psycopg.connect(old_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE kept")

        url = cluster.start()  # the running server is reused and closed in place

        assert urlsplit(url).port == port and urlsplit(url).password
        _wait_until_refused(old_url)
        assert stat.S_IMODE((cluster.pgdata / pg_auth.SECRET_FILE).stat().st_mode) == 0o600
        with psycopg.connect(url.rsplit("/", 1)[0] + "/kept") as conn:
            assert conn.execute("SELECT current_database()").fetchone()[0] == "kept"
    finally:
        cluster.stop()


def test_data_made_by_another_postgres_major_is_refused_with_what_to_do(home):
    cluster = Cluster(home / "data")
    theirs = cluster.binaries_major()
    cluster.pgdata.mkdir(parents=True)
    (cluster.pgdata / "PG_VERSION").write_text(f"{theirs - 1}\n")
    with pytest.raises(ClusterError) as refused:
        cluster.start()
    message = str(refused.value)
    assert f"created by PostgreSQL {theirs - 1}" in message and f"is PostgreSQL {theirs}" in message
    assert "pg_dump" in message and "TOWER_DATA_DIR" in message and "\n" not in message


def test_the_command_line_says_it_in_one_line(home):
    pgdata = home / "pg"
    pgdata.mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text("9\n")
    res = _tower("db", "start", data_dir=home)
    assert res.returncode == 1 and res.stderr.count("\n") == 1, res.stderr
    assert res.stderr.startswith("tower: the embedded Postgres data in") and "PostgreSQL 9" in res.stderr
