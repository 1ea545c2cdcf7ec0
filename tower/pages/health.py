"""/health — is the database there, which schema version, how many rows per table. Open to
everyone (even before sign-in): it must answer when signing in is impossible because the
database is down. Anyone not signed in as an admin sees only "up" or "down": where the
database is, its port, versions, row counts and the clock are for admins."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc

from tower import clock
from tower.auth import current
from tower.components.tables import simple_table
from tower.components.timefmt import fmt
from tower.data import access, health

dash.register_page(__name__, path="/health", title="Health · tower")


def _state(ok: bool) -> dmc.Badge:
    return dmc.Badge("Connected" if ok else "Unreachable", color="green" if ok else "red",
                     size="lg", id="health-db-status")


def _public_panel(up: bool) -> dmc.Paper:
    """Up or down, and nothing an outsider could use."""
    facts = [dmc.Group([dmc.Text("Database", fw=600), _state(up)], gap="sm")]
    if not up:
        facts.append(dmc.Text("tower cannot use its database right now; an admin can see why here "
                              "once it is back, or in the server's logs.", size="sm", id="health-db-message"))
    return dmc.Paper(dmc.Stack(facts, gap=4), withBorder=True, p="md")


def _db_panel(report: health.Health) -> dmc.Paper:
    state = _state(report.ok)
    facts = [
        dmc.Group([dmc.Text("Database", fw=600), state], gap="sm"),
        dmc.Text(report.message, id="health-db-message", size="sm"),
        dmc.Text(f"Where: {report.where}", size="sm", c="dimmed"),
    ]
    if report.server_version:
        facts.append(dmc.Text(f"PostgreSQL {report.server_version}"
                              + (f" · answered in {report.latency_ms:.0f} ms" if report.latency_ms else ""),
                              size="sm"))
    if report.ok:
        facts.append(dmc.Text(f"Schema version {report.schema_version}", id="health-schema-version", fw=500))
    return dmc.Paper(dmc.Stack(facts, gap=4), withBorder=True, p="md")


def layout(**_: str) -> dmc.Container:
    if current.role() != "admin":
        up = health.reachable(access.database_url())
        return dmc.Container(dmc.Stack([dmc.Title("Health", order=2), _public_panel(up)], gap="sm"),
                             size="md", id="health-page")
    report = health.probe(access.database_url())
    parts = [dmc.Title("Health", order=2), _db_panel(report)]
    if report.ok:
        counts = report.tables
        parts.append(dmc.Title("Rows per table", order=4, mt="md"))
        parts.append(simple_table(
            ["Table", "Rows"],
            [[row.table_name, ("≈ " if row.estimated else "") + f"{row.row_count:,}"] for row in counts.itertuples()],
            id="health-row-counts", numeric=[1]))
        parts.append(dmc.Text("≈ marks the planner's estimate for very large tables.", size="xs", c="dimmed"))
        parts.append(dmc.Title("Migrations applied", order=4, mt="md"))
        parts.append(simple_table(
            ["Version", "Name", "Applied"],
            [[f"{r.version:04d}", r.name, fmt(r.applied_at)] for r in report.migrations.itertuples()],
            id="health-migrations"))
    else:
        parts.append(dmc.Alert(
            "Start the database (`tower db start`, or `tower run` for everything) or check "
            "TOWER_DATABASE_URL, then reload this page.", title="What to do", color="gray", mt="md"))
    info = clock.describe()
    parts.append(dmc.Text(
        f"Tower clock: {fmt(clock.now(), seconds=True)} (speed ×{info['speed']}, offset {info['offset']}"
        + (", frozen" if info["frozen"] == "yes" else "") + ")", size="xs", c="dimmed", mt="md",
        id="health-clock"))
    return dmc.Container(dmc.Stack(parts, gap="sm"), size="md", id="health-page")
