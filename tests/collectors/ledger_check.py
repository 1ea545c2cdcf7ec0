"""Compare what the store holds with the sandbox's ledger and ground truth (shared by the
conservation and crash tests)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collectors import registry
from collectors.stream import SkipRecord, Stream

SYSTEMS = ("erp", "wms", "carrier", "finance")


def stream_for(system: str, resource: str) -> Stream:
    for cls in registry.stream_classes().values():
        if cls.source == system and cls.path == f"/v1/{resource}":
            return cls(None)
    raise KeyError(f"no stream for {system}/{resource}")


def stored_facts(engine: sa.Engine) -> Counter:
    """(source, source_event_id) → how many times it is in the store (milestones + parked)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT source, source_event_id FROM milestones UNION ALL "
            "SELECT source, source_event_id FROM parked_milestones")).all()
    return Counter((s, e) for s, e in rows)


def open_dead_letters(engine: sa.Engine) -> dict[tuple[str, str, str], str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT source, stream, record_key, reason FROM dead_letters WHERE status = 'open'")).all()
    return {(s, st, k): r for s, st, k, r in rows}


def check_conservation(engine: sa.Engine, sb: Any, systems: tuple[str, ...] = SYSTEMS) -> dict[str, dict[str, int]]:
    """Every record each system emitted is in the store exactly once or in dead letters with a
    reason. Returns per-system counts {ledger_keys, in_store, dead_lettered} for the report."""
    stored = stored_facts(engine)
    doubled = [k for k, n in stored.items() if n > 1]
    assert not doubled, f"facts stored twice: {doubled[:5]}"
    letters = open_dead_letters(engine)
    emitted: set[tuple[str, str]] = set()
    explained_letters: set[tuple[str, str, str]] = set()
    summary: dict[str, dict[str, int]] = {}
    problems: list[str] = []
    for system in systems:
        current: dict[tuple[str, str], dict[str, Any]] = {}
        counts = Counter()
        for row in sb.ledger(system):
            stream = stream_for(system, row["resource"])
            try:
                _, milestones = stream.map(row["record"])
            except SkipRecord as exc:  # the clean record must always map
                problems.append(f"clean {system}/{row['resource']} {row['key']} does not map: {exc}")
                continue
            emitted.update((m.source, m.source_event_id) for m in milestones)
            if row["defect"]:
                explained_letters.add((system, stream.name, stream.record_key(row["record"])))
            if row["current"]:
                current[(row["resource"], row["key"])] = {**row, "sids": [m.source_event_id for m in milestones],
                                                          "stream": stream}
        for (resource, key), row in current.items():
            stream = row["stream"]
            counts["ledger_keys"] += 1
            if all((system, sid) in stored for sid in row["sids"]):
                counts["in_store"] += 1
                continue
            letter = (system, stream.name, stream.record_key(row["record"]))
            if letter in letters and letters[letter]:
                counts["dead_lettered"] += 1
                explained_letters.add(letter)
                if row["defect"] is None:
                    problems.append(f"{system}/{resource} {key} is clean but dead-lettered: {letters[letter]}")
                continue
            missing = [sid for sid in row["sids"] if (system, sid) not in stored]
            problems.append(f"{system}/{resource} {key} v{row['version']} (defect {row['defect']}) "
                            f"is neither stored nor dead-lettered; missing {missing[:3]}")
        assert counts["ledger_keys"] == counts["in_store"] + counts["dead_lettered"] or problems
        summary[system] = dict(counts)
    invented = [k for k in stored if k not in emitted and k[0] in systems]
    assert not invented, f"stored facts no system emitted: {invented[:5]}"
    stray = [k for k in letters if k not in explained_letters]
    assert not problems, "\n".join(problems[:20]) + f"\n({len(problems)} problems)"
    assert not stray, f"open dead letters for record versions that were not malformed: {stray[:5]}"
    return summary


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def check_truth(engine: sa.Engine, sb: Any) -> int:
    """Every order without a malformed current record projects to the sandbox's ground truth.
    Returns how many orders were compared."""
    with engine.connect() as conn:
        orders = {r.order_id: r for r in conn.execute(sa.text(
            "SELECT order_id, warehouse, customer_id, channel, placed_at, status, credit_hold FROM orders"))}
        lines = {(r.order_id, r.line_no): r for r in conn.execute(sa.text("SELECT * FROM order_lines"))}
        money = {r.order_id: r for r in conn.execute(sa.text(
            "SELECT o.order_id,"
            " (SELECT count(*) FROM shipments s WHERE s.order_id = o.order_id AND s.shipped_at IS NOT NULL) AS shipments,"
            " (SELECT count(*) FROM invoices i WHERE i.order_id = o.order_id) AS invoices,"
            " (SELECT coalesce(sum(amount), 0) FROM invoices i WHERE i.order_id = o.order_id) AS invoiced,"
            " (SELECT coalesce(sum(amount), 0) FROM payments p WHERE p.order_id = o.order_id) AS paid"
            " FROM orders o"))}
    compared, problems = 0, []
    for truth in sb.truth():
        if truth["defective_records"]:
            continue
        oid = truth["order_no"]
        got = orders.get(oid)
        if got is None:
            problems.append(f"{oid}: not in the store")
            continue
        compared += 1
        want = {"warehouse": truth["warehouse"], "customer_id": truth["customer_id"],
                "channel": truth["channel"], "cancelled": truth["cancelled"],
                "credit_hold": truth["credit_hold"], "shipments": truth["shipments"],
                "invoices": truth["invoices"], "invoiced": _dec(truth["invoiced_amount"]),
                "paid": _dec(truth["paid_amount"])}
        have = {"warehouse": got.warehouse, "customer_id": got.customer_id, "channel": got.channel,
                "cancelled": got.status == "cancelled", "credit_hold": got.credit_hold,
                "shipments": money[oid].shipments, "invoices": money[oid].invoices,
                "invoiced": _dec(money[oid].invoiced), "paid": _dec(money[oid].paid)}
        for line in truth["lines"]:
            row = lines.get((oid, line["line_no"]))
            for field in ("qty_ordered", "qty_short", "qty_picked", "qty_shipped", "qty_delivered",
                          "qty_invoiced", "qty_returned", "qty_credited"):
                want[f"{line['line_no']}.{field}"] = Decimal(line[field])
                have[f"{line['line_no']}.{field}"] = Decimal(getattr(row, field)) if row else None
            for field in ("unit_price", "list_price"):
                want[f"{line['line_no']}.{field}"] = _dec(line[field])
                have[f"{line['line_no']}.{field}"] = _dec(getattr(row, field)) if row else None
        diff = {k: (want[k], have.get(k)) for k in want if want[k] != have.get(k)}
        if diff:
            problems.append(f"{oid} {truth['scenarios']}: (truth, store) {diff}")
    assert compared > 0
    assert not problems, "\n".join(problems[:15]) + f"\n({len(problems)} of {compared} orders differ)"
    return compared
