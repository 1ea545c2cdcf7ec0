"""Read functions for the B2B intake on /integrations: EDI files per trading partner and
webhook events per provider."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection

from tower.sqlfiles import load

_Q = load(__file__, "edi.sql")
PARTNER_COLUMNS = ["partner_id", "files", "transactions", "rejected", "files_with_rejects", "duplicates",
                   "last_at", "last_file", "last_outcome"]
WEBHOOK_COLUMNS = ["provider", "events", "waiting", "dead", "last_at"]


def partner_files(*, conn: Connection) -> pd.DataFrame:
    """One row per trading partner (partner_id None = files from no known partner). Columns
    PARTNER_COLUMNS: counts int (duplicates = extra deliveries of a file already stored),
    last_at tz-aware UTC, last_file and last_outcome (accepted / partial / rejected) of the
    newest file."""
    rows = conn.execute(_Q["partner_files"]).mappings().all()
    return pd.DataFrame(rows, columns=PARTNER_COLUMNS)


def webhook_providers(*, conn: Connection) -> pd.DataFrame:
    """One row per webhook provider: events received, waiting to be mapped, dead (could not be
    mapped), last_at tz-aware UTC. Columns WEBHOOK_COLUMNS."""
    rows = conn.execute(_Q["webhook_providers"]).mappings().all()
    return pd.DataFrame(rows, columns=WEBHOOK_COLUMNS)
