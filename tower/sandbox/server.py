"""Running the sandbox: four system services and a control service on loopback.

`start_sandbox(data_dir, ...)` is the entry point for tests, benches and `tower run`: it
generates (or resumes) the data under `<data_dir>/sandbox/`, starts one threaded HTTP server
per system plus the control server, and in live mode a thread that every 0.25 s generates the
orders coming due and publishes every version whose time has come. See API.md.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from werkzeug.serving import BaseWSGIServer, make_server

from tower.sandbox import faults as F
from tower.sandbox.api import SystemApp
from tower.sandbox.control import ControlApp
from tower.sandbox.generate import DEFAULT_ORDERS_PER_DAY, Generator, generate, open_generator
from tower.sandbox.ledger import ledger_rows, truth_rows
from tower.sandbox.storage import Storage
from tower.sandbox.world import HOUR, from_ms, to_ms

log = logging.getLogger(__name__)
TICK_SECONDS = 0.25


def sandbox_root(data_dir: Path) -> Path:
    return Path(data_dir) / "sandbox"


class SimClock:
    """The sandbox's time: a base clock (tower.clock by default) plus an offset that
    `advance` moves; never goes backwards."""

    def __init__(self, base: Callable[[], datetime]):
        self.base = base
        self.offset_ms = 0
        self._last = 0
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            self._last = max(self._last, to_ms(self.base()) + self.offset_ms)
            return self._last

    def now(self) -> datetime:
        return from_ms(self.now_ms())

    def advance_ms(self, delta: int) -> None:
        with self._lock:
            self.offset_ms += max(0, delta)


def _complete(root: Path) -> bool:
    """Whether `root` holds a fully generated sandbox (an interrupted start-up leaves none)."""
    if not Storage(root).exists():
        return False
    storage = Storage(root)
    try:
        return storage.meta().get("ready") == "1"
    finally:
        storage.close()


def _default_base() -> Callable[[], datetime]:
    try:
        from tower import clock
        return clock.now
    except ImportError:
        from datetime import timezone
        return lambda: datetime.now(timezone.utc)


class Sandbox:
    """The running simulated distributor (what `start_sandbox` returns)."""

    def __init__(self, data_dir: Path | str, *, seed: int = 7, days: int = 60,
                 orders_per_day: float = DEFAULT_ORDERS_PER_DAY,
                 live_orders_per_day: float | None = None, base_port: int = 0,
                 host: str = "127.0.0.1",
                 now: Callable[[], datetime] | datetime | None = None, live: bool = True,
                 faults: dict[str, dict[str, Any]] | None = None, rate_limit: float = 50.0,
                 tokens: dict[str, str] | None = None, fresh: bool = False):
        self.data_dir = Path(data_dir)
        self.root = sandbox_root(self.data_dir)
        self.host, self.base_port, self.live = host, base_port, live
        self.rate_limit = rate_limit
        if isinstance(now, datetime):
            fixed = now
            now = lambda: fixed  # noqa: E731 - a frozen base; advance() moves the offset
        self.clock = SimClock(now or _default_base())
        self.faults: dict[str, F.Faults] = {s: F.Faults() for s in F.SYSTEMS}
        for system, change in (faults or {}).items():
            self.faults[system].update(**change)
        self._stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._stats_lock = threading.Lock()
        if fresh or not _complete(self.root):
            if not fresh and Storage(self.root).exists():
                log.warning("sandbox data in %s was never completed; generating it again", self.root)
            generate(self.data_dir, seed=seed, days=days, orders_per_day=orders_per_day,
                     live_orders_per_day=live_orders_per_day, now=self.clock.now(), fresh=True,
                     faults=self.faults)
        self.storage = Storage(self.root)
        meta = self.storage.meta()
        if int(meta["seed"]) != seed:
            raise ValueError(f"{self.root} holds a sandbox generated with seed {meta['seed']}, "
                             f"not {seed}; start it with fresh=True (--fresh) to regenerate")
        self.seed, self.days = seed, int(meta["days"])
        self.generator: Generator = open_generator(self.storage)
        self.tokens = self._load_or_make_tokens()
        self.tokens.update(tokens or {})
        self.admin_token = self.tokens.pop("admin")
        self._servers: dict[str, BaseWSGIServer | None] = {}
        self._threads: dict[str, threading.Thread] = {}
        self.ports: dict[str, int] = {}
        self._apps: dict[str, Any] = {s: SystemApp(self, s) for s in F.SYSTEMS}
        self._apps["control"] = ControlApp(self)
        self._stop = threading.Event()
        # The time up to which the systems have published (the last step's): the ground truth
        # is taken as of it, not of the clock, which runs on between steps when not live.
        self.published_ms = 0
        self._live_thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def _load_or_make_tokens(self) -> dict[str, str]:
        path = self.root / "tokens.json"
        if path.exists():
            return json.loads(path.read_text())
        tokens = {s: f"{s}-{secrets.token_hex(12)}" for s in (*F.SYSTEMS, "admin")}
        path.write_text(json.dumps(tokens))
        os.chmod(path, 0o600)
        return dict(tokens)

    def start(self) -> "Sandbox":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        try:
            for n, name in enumerate((*F.SYSTEMS, "control")):
                port = self.base_port + n if self.base_port else 0
                self._serve(name, port)
        except OSError as exc:  # a port in use: close the ones already open, then say which
            self.stop()
            raise OSError(f"cannot listen on {self.host}:{port} ({exc}); "
                          f"choose another --port or stop what uses it") from None
        for system in F.SYSTEMS:
            if self.faults[system].outage == "refused":
                self._close(system)
        self.step()
        if self.live:
            self._live_thread = threading.Thread(target=self._live, name="sandbox-live", daemon=True)
            self._live_thread.start()
        self.write_info()
        return self

    def _serve(self, name: str, port: int) -> None:
        try:
            server = make_server(self.host, port, self._apps[name], threaded=True)
        except SystemExit:  # werkzeug reports a busy port on stderr and exits; we must not
            raise OSError(f"port {port} is in use") from None
        server.daemon_threads = True  # type: ignore[attr-defined]  # ThreadedWSGIServer has it
        self.ports[name] = server.server_port
        self._servers[name] = server
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  name=f"sandbox-{name}", daemon=True)
        thread.start()
        self._threads[name] = thread

    def _close(self, name: str) -> None:
        server = self._servers.get(name)
        if server is not None:
            server.shutdown()
            server.server_close()
            self._servers[name] = None

    def stop(self) -> None:
        self._stop.set()
        if self._live_thread:
            self._live_thread.join(timeout=10)
        for name in list(self._servers):
            self._close(name)
        self.storage.close()
        # A stale sandbox.json would send `tower sandbox faults` and collectors to dead ports.
        info = self.root / "sandbox.json"
        try:
            if json.loads(info.read_text()).get("pid") == os.getpid():
                info.unlink()
        except (OSError, ValueError):
            pass

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _live(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self.step()
            except Exception:  # keep the demo alive; the next tick retries
                log.exception("sandbox tick failed")

    # -- time -------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def step(self) -> int:
        """Generate the orders placed within the next hour, publish everything due now."""
        with self.storage.write_lock:
            now_ms = self.clock.now_ms()
            self.generator.generate_until(now_ms + HOUR, now_ms, self.faults)
            published = 0
            for system in F.SYSTEMS:
                n = self.storage.publish(system, now_ms, self.faults[system])
                published += n
                if n:
                    self.count(system, "published", n)
            self.published_ms = now_ms
            return published

    def advance(self, minutes: float | None = None, *, to: datetime | None = None,
                seconds: float | None = None) -> int:
        """Move the sandbox's clock forward (by minutes/seconds, or to a time) and publish
        everything now due, in time order (so hours of simulated time publish in slices)."""
        target = self.clock.now_ms()
        if to is not None:
            target = max(target, to_ms(to))
        target += int((minutes or 0) * 60_000 + (seconds or 0) * 1000)
        published = 0
        while True:
            now_ms = self.clock.now_ms()
            step = min(target - now_ms, HOUR)
            if step <= 0:
                break
            self.clock.advance_ms(step)
            published += self.step()
        return published + self.step()

    # -- faults -----------------------------------------------------------------------------
    def set_faults(self, system: str, **changes: Any) -> dict[str, Any]:
        systems = F.SYSTEMS if system == "all" else (system,)
        for name in systems:
            if name not in F.SYSTEMS:
                raise ValueError(f"unknown system {name!r}")
            was_refused = self.faults[name].outage == "refused"
            self.faults[name].update(**changes)
            refused = self.faults[name].outage == "refused"
            if refused and not was_refused and name in self.ports:
                self._close(name)
            elif was_refused and not refused and name in self.ports:
                self._serve(name, self.ports[name])
        return {s: self.faults[s].active() for s in F.SYSTEMS}

    def clear_faults(self) -> None:
        self.set_faults("all", clear=True)

    # -- observation ------------------------------------------------------------------------
    def count(self, system: str, what: str, n: int = 1) -> None:
        with self._stats_lock:
            self._stats[system][what] += n

    def stats(self) -> dict[str, dict[str, int]]:
        with self._stats_lock:
            out = {s: dict(self._stats[s]) for s in F.SYSTEMS}
        for system in F.SYSTEMS:
            out[system].update(self.storage.counts(system))
        return out

    def ledger(self, system: str, resource: str | None = None, *, with_record: bool = True
               ) -> Iterator[dict[str, Any]]:
        return ledger_rows(self.storage, system, resource, with_record=with_record)

    def truth(self, order_no: str | None = None, *, as_of: datetime | None = None
              ) -> Iterator[dict[str, Any]]:
        return truth_rows(self.storage, self.truth_as_of_ms(as_of), order_no)

    def truth_as_of_ms(self, as_of: datetime | None = None) -> int:
        """The ground truth's default time is what the systems have published so far: facts
        due after the last step are simulated but no system has said them yet (out_of_order
        faults hold some back longer; clear them before comparing)."""
        if as_of is not None:
            return to_ms(as_of)
        return self.published_ms or self.clock.now_ms()

    @property
    def urls(self) -> dict[str, str]:
        return {s: f"http://{self.host}:{self.ports[s]}" for s in F.SYSTEMS}

    @property
    def admin_url(self) -> str:
        return f"http://{self.host}:{self.ports['control']}"

    def info(self) -> dict[str, Any]:
        return {"urls": self.urls, "tokens": dict(self.tokens), "admin_url": self.admin_url,
                "admin_token": self.admin_token, "seed": self.seed, "days": self.days,
                "pid": os.getpid(), "data_dir": str(self.root), "now": self.now().isoformat()}

    def public_info(self) -> dict[str, Any]:
        """`info()` without the secrets: what may be printed or logged."""
        where = str(self.root / "sandbox.json")
        return {**self.info(), "tokens": {s: f"(in {where})" for s in self.tokens},
                "admin_token": f"(in {where})"}

    def write_info(self) -> Path:
        path = self.root / "sandbox.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.info(), indent=2))
        os.chmod(tmp, 0o600)
        tmp.replace(path)
        return path


def start_sandbox(data_dir: Path | str, *, seed: int = 7, days: int = 60, base_port: int = 0,
                  orders_per_day: float = DEFAULT_ORDERS_PER_DAY,
                  live_orders_per_day: float | None = None,
                  now: Callable[[], datetime] | datetime | None = None,
                  live: bool = True, faults: dict[str, dict[str, Any]] | None = None,
                  rate_limit: float = 50.0, fresh: bool = False, host: str = "127.0.0.1") -> Sandbox:
    """Generate or resume the sandbox under `<data_dir>/sandbox` and serve it. See API.md."""
    return Sandbox(data_dir, seed=seed, days=days, orders_per_day=orders_per_day,
                   live_orders_per_day=live_orders_per_day, base_port=base_port, host=host,
                   now=now, live=live, faults=faults, rate_limit=rate_limit, fresh=fresh).start()

