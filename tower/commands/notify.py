"""`tower notify ...`: outbound notifications by hand, and the demo's loopback receivers.

    tower notify status                  the outbox per channel and its dead letters
    tower notify replay (--id N ... | --all)   dead deliveries back to the outbox (sent by `tower collect`)
    tower notify sandbox [--smtp-port P] [--http-port P]   loopback SMTP server + webhook receiver
    tower notify inbox [--follow] [--json]                 what the loopback receivers got

The sending itself is the collector process's job (`tower collect`, which `tower run` starts):
nothing here sends, and the web process never does.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

from tower import clock
from tower.errors import UserError


def mailbox_dir(settings: Any) -> Path:
    return settings.data_dir / "notify-sandbox"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("notify", help="outbound notifications: status, replay, the demo's mailbox",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="notify_command", metavar="<status|replay|sandbox|inbox>", required=True)
    status = sub.add_parser("status", help="the outbox per channel and its dead letters")
    status.add_argument("--limit", type=int, default=20, help="dead letters to list (default 20)")
    status.set_defaults(handler=_status)
    replay = sub.add_parser("replay", help="put dead deliveries back in the outbox")
    replay.add_argument("--id", dest="ids", type=int, action="append", metavar="ID")
    replay.add_argument("--all", action="store_true", help="every dead delivery")
    replay.set_defaults(handler=_replay)
    sandbox = sub.add_parser("sandbox", help="run the loopback SMTP server and webhook receiver (tower run starts it)")
    sandbox.add_argument("--smtp-port", type=int, help="default TOWER_NOTIFY_SANDBOX_PORT")
    sandbox.add_argument("--http-port", type=int, help="default TOWER_NOTIFY_SANDBOX_PORT + 1")
    sandbox.set_defaults(handler=_sandbox)
    inbox = sub.add_parser("inbox", help="show what the loopback receivers got")
    inbox.add_argument("--follow", action="store_true", help="keep watching for new messages")
    inbox.add_argument("--json", action="store_true", help="one JSON object per message")
    inbox.set_defaults(handler=_inbox)


def _status(args: argparse.Namespace) -> int:
    from tower.commands.db import open_engine
    from tower.data import notifications

    engine = open_engine(args.settings, migrate_first=True)
    with engine.connect() as conn:
        summary = notifications.summary(conn=conn, now=clock.now())
        dead = notifications.dead_letters(conn=conn, limit=args.limit)
    for row in summary.itertuples():
        print(f"{row.channel:<8} pending {row.pending} (retrying {row.retrying})  sent in 24 h {row.sent_24h}  "
              f"dead {row.dead}  last sent {row.last_sent_at or '-'}")
    for row in dead.itertuples():
        print(f"dead #{row.delivery_id} {row.purpose} {row.channel} {row.target}: {row.attempts} attempts, "
              f"{row.events} event(s): {row.reason}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from tower.commands.db import open_engine
    from tower.data import notifications

    if not args.ids and not args.all:
        raise UserError("give --id N (repeatable) or --all")
    engine = open_engine(args.settings, migrate_first=True)
    with engine.begin() as conn:
        ids = args.ids or [int(i) for i in notifications.dead_letters(conn=conn, limit=100_000)["delivery_id"]]
        n = notifications.replay(conn=conn, delivery_ids=ids, actor="cli", now=clock.now())
    print(f"{n} dead deliver{'y' if n == 1 else 'ies'} back in the outbox; the collector process sends them")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    from tower.sandbox.mailbox import Mailbox, start_mail_server, start_webhook_receiver

    notify = args.settings.notify
    smtp_port = args.smtp_port or notify.sandbox_port
    http_port = args.http_port or smtp_port + 1
    box = Mailbox(mailbox_dir(args.settings))
    try:
        smtp = start_mail_server(box, port=smtp_port)
        hooks = start_webhook_receiver(box, notify.webhook_secrets, port=http_port)
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{smtp_port}/{http_port} ({exc.strerror}); "
                        "set TOWER_NOTIFY_SANDBOX_PORT to a free port") from None
    print(f"loopback SMTP on 127.0.0.1:{smtp.port}, webhook receiver on http://127.0.0.1:{hooks.server_port}/hooks/<endpoint>; "
          f"mailbox {box.folder} (`tower notify inbox`)", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    hooks.stop()
    smtp.stop()
    return 0


def _line(kind: str, record: dict[str, Any]) -> str:
    if kind == "mail":
        return f"{record['received_at'][:19]}  mail     to {', '.join(record['to'])}: {record['subject']}"
    raw = record.get("body")
    body: dict[str, Any] = raw if isinstance(raw, dict) else {}
    events = body.get("events") or []
    what = (f"{len(events)} event(s): " + ", ".join(sorted({e['type'] for e in events}))) if events else body.get("type", "?")
    sig = "signature ok" if record.get("verified") else f"REFUSED ({record.get('refusal')})"
    return f"{record['received_at'][:19]}  webhook  {record['endpoint']}: {what} [{sig}]"


def _inbox(args: argparse.Namespace) -> int:
    from tower.sandbox.mailbox import Mailbox

    box = Mailbox(mailbox_dir(args.settings))
    shown = {"mail": 0, "webhook": 0}
    while True:
        for kind, records in (("mail", box.mails()), ("webhook", box.webhooks())):
            for record in records[shown[kind]:]:
                print(json.dumps({"kind": kind, **record}) if args.json else _line(kind, record), flush=True)
            shown[kind] = len(records)
        if not args.follow:
            if not any(shown.values()):
                print(f"nothing received yet in {box.folder}")
            return 0
        time.sleep(1)
