"""Record the source payloads the pure mapping tests read: `python -m tests.collectors.record_payloads`.

Starts the sandbox distributor the way the tests do (loopback, ephemeral ports, a fixed seed and
a fixed clock, so a re-run writes the same files), pages every stream of every source over HTTP
with the collectors' own clients, picks a small set of records by what they show (a credit hold,
a partial shipment, a return, a cancellation...) and writes them to
`tests/collectors/<system>/payloads/<stream>.json`. Two more passes record edge cases from the
same world: a second sandbox with the `malformed` fault on for every version (the ledger says
which defect each version got; the file records exactly what was changed), and the clean sandbox
again with `drift` on (schema version 2: one field renamed, one added).

Re-record when the wire contract (tower/sandbox/API.md) or the simulation changes, then run
the mapping tests (`tests/collectors/*/test_*_mapping.py`) and read the diff of the payloads.
A case that no record shows any more stops the recorder with its name, so a test never silently
loses its payload.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from collectors import registry
from collectors.stream import Stream
from tower.sandbox.faults import DEFECTS, KEYS, SYSTEMS

SEED = 7
DAYS = 30
ORDERS_PER_DAY = 200
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)
OUT = Path(__file__).resolve().parent
COMMAND = "python -m tests.collectors.record_payloads"
BAD_DATE_NAMES = {"2026-02-30T25:61:00Z": "impossible_time", "11/27/2026 10:00": "us_format",
                  "yesterday": "word", "2026-11-27 10:00:00": "no_zone"}

Record = dict[str, Any]
World = dict[str, list[Record]]          # "erp/sales_orders" -> every current record, page order
Pick = Callable[[Record, World], bool]


def _events(order: Record) -> list[str]:
    return [entry["event"] for entry in order["history"]]


def _entries(order: Record, event: str) -> list[Record]:
    return [entry for entry in order["history"] if entry["event"] == event]


_SHIPMENTS: dict[int, dict[str, list[Record]]] = {}


def _shipments_of(world: World, order_no: str) -> list[Record]:
    """The shipments of an order, oldest first (indexed once per world)."""
    index = _SHIPMENTS.get(id(world))
    if index is None:
        index = _SHIPMENTS[id(world)] = defaultdict(list)
        for ship in sorted(world["wms/shipments"], key=lambda s: s["shipped_at"]):
            index[ship["order_ref"]].append(ship)
    return index.get(order_no, [])


def _split_line(record: Record, world: World) -> bool:
    """The first of two shipments of an order that share a line (the line was partly short)."""
    ships = _shipments_of(world, record["order_ref"])
    return (len(ships) == 2 and ships[0]["shipment_no"] == record["shipment_no"]
            and bool({l["ref_line"] for l in ships[0]["lines"]} & {l["ref_line"] for l in ships[1]["lines"]}))


def _second_of_split(record: Record, world: World) -> bool:
    first = next(s for s in world["wms/shipments"] if _split_line(s, world))
    ships = _shipments_of(world, first["order_ref"])
    return ships[1]["shipment_no"] == record["shipment_no"]


def _invoice_qty_differs(invoice: Record, world: World) -> bool:
    ship = next((s for s in world["wms/shipments"] if s["shipment_no"] == invoice["shipment_ref"]), None)
    if ship is None:
        return False
    shipped = {line["ref_line"]: line["qty"] for line in ship["lines"]}
    return any(shipped.get(line["line_ref"]) != line["qty"] for line in invoice["lines"])


def _invoice_total(world: World, invoice_no: str) -> str | None:
    return next((i["total"] for i in world["finance/invoices"] if i["invoice_no"] == invoice_no), None)


def _scan_before_confirm(event: Record, world: World) -> bool:
    ship = next((s for s in world["wms/shipments"] if s["shipment_no"] == event["shipper_reference"]), None)
    return ship is not None and event["updated_at"] < ship["updated_at"]


# stream -> [(case name, what it shows, which record shows it)]; the first match in page order.
# The first case of each stream is also recorded under schema drift, so it should state milestones.
def _scan_code_is(code: str) -> Pick:
    return lambda event, world: event["code"] == code


CASES: dict[str, list[tuple[str, str, Pick]]] = {
    "erp/sales_orders": [
        ("released_in_full", "several lines, all confirmed, released to the warehouse",
         lambda r, w: _events(r) == ["CREATED", "PRICED", "ATP_CONFIRMED", "RELEASED"]
         and len(r["lines"]) >= 2),
        ("credit_hold_released", "held for credit, released by a credit officer, then released",
         lambda r, w: {"CREDIT_HOLD", "CREDIT_RELEASED", "RELEASED"} <= set(_events(r))),
        ("credit_hold_unreleased", "held for credit and still held",
         lambda r, w: r["status"] == "CREDIT_HOLD"),
        ("credit_refused_cancelled", "held for credit, never released, cancelled",
         lambda r, w: "CREDIT_HOLD" in _events(r) and r["cancel_reason"] == "credit_refused"),
        ("atp_short_partly_confirmed_then_filled",
         "one ATP check confirms part of a line and backorders the rest; the backorder is filled later",
         lambda r, w: "BACKORDER_FILLED" in _events(r) and any(
             line["qty_allocated"] > 0 for e in _entries(r, "ATP_SHORT") for line in e["lines"])),
        ("atp_short_whole_line_open", "a whole line backordered and still open (status BACKORDER)",
         lambda r, w: r["status"] == "BACKORDER" and any(
             line["qty_allocated"] == 0 for e in _entries(r, "ATP_SHORT") for line in e["lines"])),
        ("cancelled_before_release", "cancelled by the customer before the warehouse had it",
         lambda r, w: r["cancel_reason"] == "customer_request" and "RELEASED" not in _events(r)),
        ("cancelled_after_release", "cancelled by the customer after the release to the warehouse",
         lambda r, w: r["cancel_reason"] == "customer_request" and "RELEASED" in _events(r)),
        ("price_differs_from_list", "a line sold at a price other than the list price",
         lambda r, w: any(line["unit_price"] != line["list_price"] for line in r["lines"])),
    ],
    "erp/returns": [
        ("authorized", "a return authorised, not yet received", lambda r, w: r["status"] == "AUTHORIZED"),
        ("received", "a return received by the warehouse, not yet credited",
         lambda r, w: r["status"] == "RECEIVED"),
        ("closed_several_lines", "a closed (credited) return of more than one line",
         lambda r, w: r["status"] == "CLOSED" and len(r["lines"]) >= 2),
    ],
    "wms/tasks": [
        ("pick_done", "a pick of several lines finished",
         lambda r, w: r["type"] == "PICK" and r["status"] == "DONE" and len(r["lines"]) >= 2),
        ("pick_created", "a pick task waiting to start", lambda r, w: r["type"] == "PICK" and r["status"] == "CREATED"),
        ("pick_in_progress", "a pick started, not finished",
         lambda r, w: r["type"] == "PICK" and r["status"] == "IN_PROGRESS"),
        ("pick_cancelled_before_start", "a pick cancelled before anyone started it",
         lambda r, w: r["type"] == "PICK" and r["status"] == "CANCELLED" and r["started_at"] is None),
        ("pick_cancelled_after_start", "a pick cancelled after picking began (part of it done)",
         lambda r, w: r["type"] == "PICK" and r["status"] == "CANCELLED" and r["started_at"] is not None),
        ("pick_of_filled_backorder", "the second pick wave of an order, for its filled backorder",
         lambda r, w: r["type"] == "PICK" and r["status"] == "DONE" and r["task_id"].endswith("3")),
        ("pack_in_progress", "a pack started, not finished",
         lambda r, w: r["type"] == "PACK" and r["status"] == "IN_PROGRESS"),
        ("pack_done", "a pack finished, naming its shipment",
         lambda r, w: r["type"] == "PACK" and r["status"] == "DONE"),
        ("return_receipt_done", "a customer return received at the warehouse",
         lambda r, w: r["type"] == "RETURN_RECEIPT" and r["status"] == "DONE"),
    ],
    "wms/shipments": [
        ("whole_order", "the only shipment of an order",
         lambda r, w: len(_shipments_of(w, r["order_ref"])) == 1 and r["service"] == "GROUND"),
        ("partial_first", "the first of two shipments of an order: a line partly short ships in part",
         _split_line),
        ("backorder_second", "the second shipment of that same order, for its filled backorder",
         _second_of_split),
        ("ltl_freight", "a less-than-truckload freight shipment", lambda r, w: r["service"] == "LTL"),
    ],
    "carrier/tracking_events": [
        *[(f"{code.lower()}", f"a {code} scan", _scan_code_is(code))
          for code in ("PICKED_UP", "IN_TRANSIT", "DELAYED", "OUT_FOR_DELIVERY", "DELIVERY_FAILED",
                       "DELIVERED")],
        ("pacific_time_scan", "a scan reported in a Pacific local offset",
         lambda r, w: r["occurred_at"].endswith(("-08:00", "-07:00"))),
        ("scan_before_ship_confirm", "a scan the platform recorded before the WMS posted the ship confirm",
         _scan_before_confirm),
    ],
    "finance/invoices": [
        ("open", "an invoice nothing has been paid on", lambda r, w: r["status"] == "OPEN"),
        ("partially_paid", "an invoice partly paid", lambda r, w: r["status"] == "PARTIALLY_PAID"),
        ("paid_several_lines", "an invoice of several lines, paid",
         lambda r, w: r["status"] == "PAID" and len(r["lines"]) >= 2),
        ("qty_differs_from_shipment", "an invoice whose quantity differs from what was shipped",
         _invoice_qty_differs),
    ],
    "finance/payments": [
        ("full", "a payment of the whole invoice", lambda r, w: r["amount"] == _invoice_total(w, r["invoice_no"])),
        ("partial", "a payment of part of an invoice",
         lambda r, w: _invoice_total(w, r["invoice_no"]) not in (None, r["amount"])),
    ],
    "finance/credit_notes": [
        ("for_return", "a credit note for a returned line", lambda r, w: len(r["lines"]) == 1),
        ("for_return_several_lines", "a credit note for several returned lines", lambda r, w: len(r["lines"]) >= 2),
    ],
}


def _resource(stream: Stream) -> str:
    return stream.path.rsplit("/", 1)[1]


def _key_field(stream: Stream) -> str:
    return KEYS[(stream.source, _resource(stream))]


def fetch_world(streams: list[Stream]) -> World:
    """Every current record of every stream, paged over HTTP with the stream's own client."""
    world: World = {}
    for stream in streams:
        world[stream.key] = [record for page in stream.fetch(None) for record in page]
    return world


def _changes(clean: Any, served: Any, path: str = "") -> list[dict[str, Any]]:
    """What a fault changed, field by field: [{"path", "was", "now"}] ("now" absent = removed)."""
    if isinstance(clean, dict) and isinstance(served, dict):
        out = []
        for key in clean.keys() | served.keys():
            where = f"{path}.{key}" if path else key
            if key not in served:
                out.append({"path": where, "was": clean[key]})
            elif key not in clean:
                out.append({"path": where, "now": served[key]})
            else:
                out.extend(_changes(clean[key], served[key], where))
        return sorted(out, key=lambda c: c["path"])
    if isinstance(clean, list) and isinstance(served, list) and len(clean) == len(served):
        return [c for n, (a, b) in enumerate(zip(clean, served)) for c in _changes(a, b, f"{path}[{n}]")]
    return [] if clean == served else [{"path": path, "was": clean, "now": served}]


def pick_cases(world: World) -> dict[str, dict[str, dict[str, Any]]]:
    chosen: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    missing = []
    for stream_key, cases in CASES.items():
        for name, about, pick in cases:
            record = next((r for r in world[stream_key] if pick(r, world)), None)
            if record is None:
                missing.append(f"{stream_key}: {name}")
                continue
            chosen[stream_key][name] = {"about": about, "record": record}
    if missing:
        raise SystemExit("no record shows these cases any more (change the case or the sandbox size):\n  "
                         + "\n  ".join(missing))
    return chosen


def pick_malformed(sb: Any, streams: list[Stream], world: World) -> dict[str, dict[str, dict[str, Any]]]:
    """One record per defect (and per spoilt date) per stream, with what the fault changed."""
    chosen: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for stream in streams:
        key_field = _key_field(stream)
        clean = {row["key"]: row for row in sb.ledger(stream.source, _resource(stream)) if row["current"]}
        for record in world[stream.key]:
            row = clean[record[key_field]]
            if row["defect"] is None:
                continue
            changes = _changes(row["record"], record)
            name = row["defect"]
            if name == "bad_date":
                name = f"bad_date_{BAD_DATE_NAMES[changes[0]['now']]}"
            if f"malformed_{name}" in chosen[stream.key]:
                continue
            chosen[stream.key][f"malformed_{name}"] = {
                "about": f"the sandbox's `malformed` fault, defect {row['defect']}",
                "defect": row["defect"], "changes": changes, "record": record}
        found = {c["defect"] for c in chosen[stream.key].values()}
        if found != set(DEFECTS):
            raise SystemExit(f"{stream.key}: no record with defect(s) {sorted(set(DEFECTS) - found)}")
    return chosen


def pick_drifted(streams: list[Stream], clean: World, drifted: World,
                 cases: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, dict[str, Any]]]:
    """The first recorded case of each stream again, as served under schema drift. Found by its
    place in the list, not its key: drift may rename the key field itself (erp sales orders)."""
    chosen: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for stream in streams:
        name, first = next(iter(cases[stream.key].items()))
        record = drifted[stream.key][clean[stream.key].index(first["record"])]
        chosen[stream.key]["drift_schema_v2"] = {
            "about": f"case {name!r} as served with the `drift` fault on (schema version 2)",
            "of_case": name,
            "changes": _changes(first["record"], record), "record": record}
    return chosen


def write(stream: Stream, cases: dict[str, dict[str, Any]], out: Path) -> Path:
    doc = {"stream": stream.key, "path": stream.path,
           "recorded_by": COMMAND,
           "sandbox": {"seed": SEED, "days": DAYS, "orders_per_day": ORDERS_PER_DAY, "now": NOW.isoformat()},
           "cases": cases}
    path = out / stream.source / "payloads" / f"{stream.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return path


def _with_sandbox(data_dir: Path, faults: dict[str, dict[str, Any]] | None,
                  then: Callable[[Any, list[Stream]], Any]) -> Any:
    from tower.sandbox.server import start_sandbox

    sb = start_sandbox(data_dir, seed=SEED, days=DAYS, orders_per_day=ORDERS_PER_DAY, base_port=0,
                       now=NOW, live=False, rate_limit=100_000, faults=faults, fresh=True)
    streams = registry.build_streams(registry.endpoints_from_file(sb.write_info()), page_size=500)
    try:
        return then(sb, streams)
    finally:
        registry.close_streams(streams)
        sb.stop()


def record(out: Path = OUT) -> list[Path]:
    with tempfile.TemporaryDirectory(prefix="tower-record-") as tmp:
        def clean_pass(sb: Any, streams: list[Stream]) -> tuple[list[Stream], dict, dict]:
            world = fetch_world(streams)
            cases = pick_cases(world)
            sb.set_faults("all", drift=True)
            drifted = pick_drifted(streams, world, fetch_world(streams), cases)
            return streams, cases, drifted

        streams, cases, drifted = _with_sandbox(Path(tmp) / "clean", None, clean_pass)
        malformed = _with_sandbox(Path(tmp) / "malformed", {s: {"malformed": 1.0} for s in SYSTEMS},
                                  lambda sb, ss: pick_malformed(sb, ss, fetch_world(ss)))
    return [write(s, {**cases[s.key], **malformed[s.key], **drifted[s.key]}, out) for s in streams]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the <system>/payloads folders go")
    args = parser.parse_args(argv)
    for path in record(args.out):
        cases = json.loads(path.read_text())["cases"]
        print(f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}: "
              f"{len(cases)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
