"""`tower notify inbox` shows what the loopback receivers got, from the mailbox folder."""

from tower.commands.main import main
from tower.sandbox.mailbox import Mailbox


def test_the_inbox_lists_mail_and_webhooks_with_their_signature_check(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TOWER_DATA_DIR", str(tmp_path))
    assert main(["notify", "inbox"]) == 0
    assert "nothing received yet" in capsys.readouterr().out
    box = Mailbox(tmp_path / "notify-sandbox")
    box.add_mail({"received_at": "2026-11-02T19:30:00+00:00", "to": ["desk@example.test"],
                  "subject": "[tower] 3 exception events: 3 escalated"})
    box.add_webhook({"received_at": "2026-11-02T19:30:01+00:00", "endpoint": "demo", "verified": False,
                     "refusal": "signature does not match",
                     "body": {"events": [{"type": "exception.escalated"}]}})
    assert main(["notify", "inbox"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["2026-11-02T19:30:00  mail     to desk@example.test: [tower] 3 exception events: 3 escalated",
                   "2026-11-02T19:30:01  webhook  demo: 1 event(s): exception.escalated [REFUSED (signature does not match)]"]
