"""A small forward-only migration runner for sql/migrations/NNNN_name.sql.

Each migration runs in its own transaction and is recorded in schema_migrations, so
`tower migrate` is idempotent and a failed migration leaves nothing half-applied. An advisory
lock keeps two processes that start together from migrating at the same time.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tower.db import raw
from tower.resources import resource_dir

SQL_DIR = resource_dir("sql")
MIGRATIONS_DIR = SQL_DIR / "migrations"
SCHEMA_FILE = SQL_DIR / "schema.sql"
_LOCK_KEY = 7_201_117  # advisory lock id for migrations


class MigrationError(RuntimeError):
    """A migration failed; it was rolled back and the message names it."""


_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations in `directory`, in order. No migrations at all is an error, not an empty
    list: it means a broken install (a wheel without its SQL), and migrating "nothing" would
    leave a database without tables while saying all is well."""
    if not directory.is_dir():
        raise MigrationError(f"no migrations folder at {directory}: this tower installation is incomplete; "
                             "reinstall it (a wheel carries them in tower/_resources/sql)")
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise ValueError(f"{path.name}: migration files are named NNNN_what.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path))
    if not found:
        raise MigrationError(f"no migrations found in {directory}: this tower installation is incomplete; "
                             "reinstall it (a wheel carries them in tower/_resources/sql)")
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError("two migrations share a version number")
    return found


_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


def applied_versions(engine: Engine) -> dict[int, str]:
    with engine.begin() as conn:
        conn.execute(sa.text(_BOOKKEEPING))
        rows = conn.execute(sa.text("SELECT version, checksum FROM schema_migrations")).all()
    return {int(v): c for v, c in rows}


def migrate(engine: Engine, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply every migration not yet applied, in order; return the ones applied now."""
    applied_now: list[Migration] = []
    with engine.connect() as lock_conn:
        lock_conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
        try:
            done = applied_versions(engine)
            for migration in discover(directory):
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        raise MigrationError(
                            f"migration {migration.path.name} was changed after it was applied; "
                            "migrations are forward-only: add a new one instead")
                    continue
                try:
                    with engine.begin() as conn:
                        raw(conn).execute(migration.path.read_text())
                        conn.execute(
                            sa.text("INSERT INTO schema_migrations (version, name, checksum) VALUES (:v, :n, :c)"),
                            {"v": migration.version, "n": migration.name, "c": migration.checksum},
                        )
                except (psycopg.Error, sa.exc.DBAPIError) as exc:
                    first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
                    raise MigrationError(f"migration {migration.path.name} failed and was rolled back: {first}") from exc
                applied_now.append(migration)
        finally:
            lock_conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
            lock_conn.commit()
    return applied_now


def current_version(engine: Engine) -> int | None:
    versions = applied_versions(engine)
    return max(versions) if versions else None


def dump_schema(url: str) -> str:
    """The schema of the database at `url` as normalised SQL (what sql/schema.sql holds)."""
    import os

    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from tower.db import libpq_url
    from tower.pg import find_bin_dir

    # The password goes in the environment, not on the command line that `ps` shows everyone.
    params = conninfo_to_dict(libpq_url(url))
    password = params.pop("password", None)
    env = {**os.environ, **({"PGPASSWORD": str(password)} if password else {})}
    out = subprocess.run(
        [str(find_bin_dir() / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges",
         "--exclude-table=schema_migrations", make_conninfo("", **params)],
        capture_output=True, text=True, check=True, env=env,
    ).stdout
    keep = []
    for line in out.splitlines():
        # Version banners and pg_dump's per-run \restrict keys differ between runs, not schemas.
        if line.startswith(("-- Dumped", "\\restrict", "\\unrestrict", "SET ", "SELECT pg_catalog.set_config")):
            continue
        keep.append(line.rstrip())
    text = "\n".join(keep)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text
