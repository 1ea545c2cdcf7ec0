"""The live feed of the sandbox's trading partners: every few seconds, what the sandbox's
systems published since the last round is dropped into tower's EDI inbox as partner files
(tower/sandbox/edi_partner.py), and the carrier's new tracking events are pushed as signed
webhooks when a secret for the `sandbox` provider is configured (TOWER_WEBHOOK_SECRETS).

It reads the sandbox's storage (SQLite, read-only here) beside the running `tower sandbox
serve`, and remembers how far it got per system in `<TOWER_DATA_DIR>/edi/sandbox-feed.json`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

import httpx

from tower.sandbox.edi_partner import drop, render_drops
from tower.sandbox.ledger import ledger_rows
from tower.sandbox.server import sandbox_root
from tower.sandbox.storage import Storage
from tower.sandbox.webhook_push import push

log = logging.getLogger(__name__)
PROVIDER = "sandbox"
SYSTEMS = ("wms", "carrier", "finance")


class Feed:
    def __init__(self, data_dir: Path, inbox: Path, *, push_url: str | None = None, secret: str | None = None,
                 history: bool = False) -> None:
        self.storage = Storage(sandbox_root(data_dir))
        self.state_file = Path(data_dir) / "edi" / "sandbox-feed.json"
        self.inbox, self.push_url, self.secret = inbox, push_url, secret
        self.state: dict[str, int] = self._load()
        self.round = 0
        if not self.state and not history:
            # The partners start trading when the feed first starts: the sandbox's backfilled
            # history reached tower by polling, not as thousands of EDI files at once.
            for system in SYSTEMS:
                newest = 0
                for row in self.storage.ledger(system, after=0):
                    newest = row[0]
                self.state[system] = newest
            self._save()

    def _load(self) -> dict[str, int]:
        try:
            return {k: int(v) for k, v in json.loads(self.state_file.read_text()).items()}
        except (OSError, ValueError, AttributeError):
            return {}

    def _save(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        temp = self.state_file.with_suffix(".tmp")
        temp.write_text(json.dumps(self.state))
        temp.replace(self.state_file)

    def once(self) -> dict[str, Any]:
        """One round: files dropped and webhooks pushed for what is new."""
        fresh = {s: list(ledger_rows(self.storage, s, after=self.state.get(s, 0))) for s in SYSTEMS}
        self.round += 1
        files = render_drops(lambda system: fresh.get(system, []), seed=self.round + sum(self.state.values()))
        # Name files by round so a later round never overwrites an earlier, unread one.
        for item in files:
            item.name = f"r{sum(self.state.values()) + self.round}-{item.name}"
        drop(files, self.inbox)
        for system, rows in fresh.items():
            if rows:
                self.state[system] = rows[-1]["seq"]
        self._save()
        pushed: dict[int, int] = {}
        if self.push_url and self.secret:
            # Best effort, after the state is saved: an event not pushed still arrives polled.
            events = [r["record"] for r in fresh["carrier"] if r["current"] and not r["defect"]]
            try:
                pushed = push(events, self.push_url, PROVIDER, self.secret)
            except httpx.HTTPError as exc:
                log.warning("sandbox partner feed: webhooks not pushed (%s); the collector still polls them", exc)
        return {"files": len(files), "webhooks": pushed}

    def run(self, every: float, stop: threading.Event) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)   # not a line per pushed event
        while not stop.is_set():
            try:
                result = self.once()
                if result["files"] or result["webhooks"]:
                    log.info("sandbox partners: %d files dropped, webhooks %s", result["files"], result["webhooks"])
            except (OSError, sqlite3.Error) as exc:  # the sandbox is (re)starting
                log.warning("sandbox partner feed: %s; trying again in %.0f s", exc, every)
            stop.wait(every)
