"""Password authentication for the embedded cluster.

The cluster's superuser has a generated password (scram-sha-256), kept in the data directory
in `tower_password`, mode 0600, owned by the server's user (root, which tower runs as in a
container, reads it anyway). pg_hba.conf has no `trust` line, so another local OS user cannot
connect without that file. tower's own commands read the file and put the password in the
URL they build: no configuration, and nothing to type.

Clusters created before this (initdb --auth=trust) are upgraded in place on their next start:
while trust still lets tower in, it sets the password (sent as a SCRAM verifier, never as
text), writes the file, rewrites the trust lines to scram-sha-256 and reloads the server.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import psycopg
from psycopg import sql

SECRET_FILE = "tower_password"
METHOD = "scram-sha-256"
# A pg_hba.conf rule (not a comment) whose method is trust: type, database, user, [address], trust.
_TRUST = re.compile(r"^(\s*(?:local|host\w*)\s+\S+\s+\S+(?:\s+\S+)?\s+)trust(\s|$)", re.MULTILINE)


def secret_path(pgdata: Path) -> Path:
    return pgdata / SECRET_FILE


def new_secret() -> str:
    """A password: 43 URL-safe characters, so it goes into a URL unquoted."""
    return secrets.token_urlsafe(32)


def write_secret(path: Path, secret: str, owner: tuple[int, int] | None) -> None:
    """Write `secret` to `path`, 0600 from the first byte, owned by `owner` (uid, gid) if given."""
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (secret + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if owner is not None:
        os.chown(tmp, *owner)
    os.replace(tmp, path)


def read_secret(pgdata: Path) -> str | None:
    """The superuser's password, or None when the cluster has no password file."""
    try:
        return secret_path(pgdata).read_text().strip() or None
    except FileNotFoundError:
        return None


def hba_trusts(pgdata: Path) -> bool:
    """True when pg_hba.conf lets some connection in without a password."""
    try:
        return bool(_TRUST.search((pgdata / "pg_hba.conf").read_text()))
    except OSError:  # missing or not ours: nothing tower could upgrade
        return False


def _rewrite_hba(pgdata: Path, owner: tuple[int, int] | None) -> None:
    hba = pgdata / "pg_hba.conf"
    text = _TRUST.sub(lambda m: m.group(1) + METHOD + m.group(2), hba.read_text())
    tmp = hba.with_name("pg_hba.conf.new")
    tmp.write_text(text)
    tmp.chmod(0o600)
    if owner is not None:
        os.chown(tmp, *owner)
    os.replace(tmp, hba)


def upgrade_trust_cluster(pgdata: Path, conninfo: str, user: str, owner: tuple[int, int] | None) -> str:
    """Give a running cluster made with trust auth a password and close the trust lines.
    `conninfo` must connect as `user` without a password (trust still holds). Returns the
    password, which is also in the password file when this returns."""
    secret = read_secret(pgdata) or new_secret()
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
        # The server stores the verifier as given: the password itself never crosses the
        # wire, so no server log (log_statement, errors) can ever show it.
        verifier = conn.pgconn.encrypt_password(secret.encode(), user.encode(), METHOD.encode()).decode()
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(user), sql.Literal(verifier)))
        write_secret(secret_path(pgdata), secret, owner)
        _rewrite_hba(pgdata, owner)
        conn.execute("SELECT pg_reload_conf()")
    return secret
