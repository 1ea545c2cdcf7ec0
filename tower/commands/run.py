"""`tower run`: the one-command demo.

It starts (or reuses) the embedded Postgres, migrates, creates the demo users, then supervises
its child processes — the simulated distributor (`tower sandbox serve`), one collector
process (`tower collect`), one web process (`tower web`) and, with the sandbox, its trading
partners (`tower edi sandbox-feed`: EDI files and signed carrier webhooks) and a loopback mail
server and webhook receiver (`tower notify sandbox`) that the collector process's notifications
go to, so the demo's escalations arrive somewhere (`tower notify inbox`) — each logging to
TOWER_DATA_DIR/logs/<name>.log. A child that dies is restarted with a growing pause; Ctrl-C or
SIGTERM stops them all together (children first, the database last). Running it again resumes
from the collectors' bookmarks and the sandbox's saved state.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tower.commands import demo_outage
from tower.config import Settings

RESTART_PAUSES = (1, 2, 5, 10, 30)


@dataclass
class Child:
    name: str
    args: list[str]
    log_path: Path
    proc: subprocess.Popen | None = None
    restarts: int = 0
    started_at: float = 0.0
    log_file: IO[str] | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        # Logs are the owner's alone: a folder 0700 and files 0600, also for an older demo's.
        self.log_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.log_path.parent, 0o700)
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)
        self.log_file = open(fd, "a", buffering=1)
        self.log_file.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {' '.join(self.args)}\n")
        self.proc = subprocess.Popen([sys.executable, "-m", "tower", *self.args], env=env,
                                     stdout=self.log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = 15.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.log_file:
            self.log_file.close()

    def tail(self, lines: int = 8) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


class Supervisor:
    def __init__(self, settings: Settings, db_url: str, *, with_sandbox: bool = True) -> None:
        self.settings = settings
        self.db_url = db_url
        logs = settings.data_dir / "logs"
        self.children: list[Child] = []
        if with_sandbox:
            self.children.append(Child("sandbox", ["sandbox", "serve", "--data-dir", str(settings.data_dir)],
                                       logs / "sandbox.log"))
        if with_sandbox:  # where the demo's notifications arrive: loopback SMTP + webhook receiver
            self.children.append(Child("mailbox", ["notify", "sandbox"], logs / "mailbox.log"))
        self.children.append(Child("collector", ["collect"], logs / "collector.log"))
        self.children.append(Child("web", ["web"], logs / "web.log"))
        if with_sandbox:  # the sandbox's trading partners: EDI files in the inbox, carrier webhooks
            self.children.append(Child("edi-feed", ["edi", "sandbox-feed", "--push", f"http://{settings.web_host}:"
                                       f"{settings.web_port}"], logs / "edi-feed.log"))
        self.stopping = False
        # The demo carrier signs its webhooks with a secret made for this run (web and feed share it).
        self.demo_webhook_secret = secrets.token_urlsafe(24) if with_sandbox else None
        # The demo's outbound webhook endpoint signs with a secret made for this run too.
        self.demo_notify_secret = secrets.token_urlsafe(24) if with_sandbox else None

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.demo_webhook_secret and not self.settings.intake.webhook_secrets:  # yours win
            env["TOWER_WEBHOOK_SECRETS"] = f"sandbox={self.demo_webhook_secret}"
        notify = self.settings.notify
        if self.demo_notify_secret:  # the loopback mailbox, unless you configured your own channels
            if not notify.smtp_host:
                env.update(TOWER_SMTP_HOST="127.0.0.1", TOWER_SMTP_PORT=str(notify.sandbox_port),
                           TOWER_SMTP_FROM=env.get("TOWER_SMTP_FROM") or "tower@tower.demo")
            if not notify.webhooks:
                env["TOWER_NOTIFY_WEBHOOKS"] = f"demo=http://127.0.0.1:{notify.sandbox_port + 1}/hooks/demo"
                env["TOWER_NOTIFY_WEBHOOK_SECRETS"] = f"demo={self.demo_notify_secret}"
        env["TOWER_DATABASE_URL"] = self.db_url  # children never manage the embedded cluster
        env["TOWER_DATA_DIR"] = str(self.settings.data_dir)
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def start_all(self) -> None:
        env = self.env()
        for child in self.children:
            child.start(env)
            if child.name == "sandbox":
                self._wait_for_sandbox(child)

    def _wait_for_sandbox(self, child: Child, timeout: float = 180) -> None:
        """The collectors need the sandbox's URLs and tokens: wait for the file it writes."""
        info = self.settings.data_dir / "sandbox" / "sandbox.json"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not child.alive():
                raise RuntimeError(f"the sandbox stopped while starting:\n{child.tail()}")
            try:
                if child.proc is not None and json.loads(info.read_text()).get("pid") == child.proc.pid:
                    return
            except (FileNotFoundError, json.JSONDecodeError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the sandbox did not come up within {timeout:.0f} s; see {child.log_path}")

    def wait_for_web(self, timeout: float = 60) -> bool:
        url = f"http://{self.settings.web_host}:{self.settings.web_port}/login"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    return resp.status < 500
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.5)
        return False

    def watch(self) -> None:
        """Restart children that die, with a growing pause, until asked to stop."""
        env = self.env()
        while not self.stopping:
            for child in self.children:
                if child.proc is not None and not child.alive() and not self.stopping:
                    code = child.proc.returncode
                    # A child that ran a good while before dying starts over with a short pause.
                    if time.monotonic() - child.started_at > 300:
                        child.restarts = 0
                    pause = RESTART_PAUSES[min(child.restarts, len(RESTART_PAUSES) - 1)]
                    print(f"tower: {child.name} exited with code {code}; restarting in {pause} s "
                          f"(log: {child.log_path})", file=sys.stderr)
                    print(child.tail(5), file=sys.stderr)
                    time.sleep(pause)
                    child.restarts += 1
                    child.start(env)
            time.sleep(0.5)

    def stop_all(self) -> None:
        self.stopping = True
        for child in reversed(self.children):
            child.stop()


def _demo_users(engine) -> list[tuple[str, str, str]]:
    try:
        from tower.auth.users import ensure_demo_users
    except ImportError:
        return []
    with engine.begin() as conn:
        return list(ensure_demo_users(conn=conn))


def _run(args: argparse.Namespace) -> int:
    from tower.commands.db import open_engine
    from tower.db import libpq_url
    from tower.pg import Cluster

    settings: Settings = args.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(settings.pg_dir) if settings.embedded else None
    started_db = cluster is not None and cluster.running_port() is None
    engine = open_engine(settings, migrate_first=True)
    db_url = libpq_url(engine.url.render_as_string(hide_password=False))
    users = _demo_users(engine)
    engine.dispose()

    sup = Supervisor(settings, db_url, with_sandbox=not args.no_sandbox)
    outage_stop = threading.Event()

    def _stop(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)  # even when started with SIGINT ignored (nohup, &)
    try:
        print(f"tower: database {'(embedded) ' if cluster else ''}ready; starting the "
              f"{'sandbox, ' if not args.no_sandbox else ''}collector and web processes ...", flush=True)
        sup.start_all()
        outage = settings.demo_outage if not args.no_sandbox else None
        demo_outage.start(outage, settings.data_dir / "sandbox" / "sandbox.json", outage_stop)
        up = sup.wait_for_web()
        url = f"http://{settings.web_host}:{settings.web_port}/"
        print(f"\ntower is running: {url}" if up else f"\ntower: the web app is not answering yet; see "
              f"{settings.data_dir / 'logs' / 'web.log'}", flush=True)
        if users:
            print("\nDemo users (shown once; passwords are stored hashed):")
            for name, password, role in users:
                print(f"  {name:<16} {password:<20} {role}")
        if outage:
            print(f"Demo outage: {outage.words()}.", flush=True)
        if not args.no_sandbox:
            print("Notifications: escalations go to a loopback mailbox and webhook receiver; watch them "
                  "arrive with `tower notify inbox --follow`.", flush=True)
        print(f"\nLogs: {settings.data_dir / 'logs'}   Stop with Ctrl-C.", flush=True)
        sup.watch()
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        print(f"tower: {exc}", file=sys.stderr)
        return 1
    finally:
        outage_stop.set()
        print("\ntower: stopping ...", flush=True)
        sup.stop_all()
        if cluster is not None and (started_db or args.stop_db):
            cluster.stop()
        print("tower: stopped.", flush=True)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run", help="run everything for the demo: database, sandbox, collectors, web app",
        description="Start (or reuse) the embedded Postgres, migrate it, create the demo users, then run "
                    "the simulated distributor, one collector process and the web app until Ctrl-C. "
                    "Child logs go to TOWER_DATA_DIR/logs. Running it again resumes where it stopped.")
    p.add_argument("--no-sandbox", action="store_true",
                   help="do not start the simulated distributor (collect from real systems instead)")
    p.add_argument("--stop-db", action="store_true",
                   help="stop the embedded Postgres on exit even if it was already running at start")
    p.set_defaults(handler=_run)
