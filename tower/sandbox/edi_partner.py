"""The sandbox speaks EDI too: its 3PL, carrier and a European wholesaler as trading partners.

`render_drops(ledger, seed)` turns what the sandbox's systems published (WMS ship confirms,
carrier tracking events, finance invoices: rows of `Sandbox.ledger`) into the files those
partners would drop in tower's inbox, with the ids of the shipped partner registry
(collectors/edi/partners.yaml):

    sandbox-3pl      X12 856 per ship confirm, X12 810 per invoice
    sandbox-carrier  X12 214 per tracking event (most tracking numbers)
    sandbox-eu       EDIFACT IFTSTA per tracking event (every fifth tracking number)

and the faults real partners produce: a wrong SE/UNT segment count, an unknown status code,
the same file dropped twice, files out of order. Each file lists the transactions it carries
and the fault planted in each, so a test can check every one is stored once or dead-lettered
with a reason. `drop(files, inbox)` writes them to `<inbox>/<partner>/`.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

X12_CODES = {"PICKED_UP": "AF", "IN_TRANSIT": "P1", "DELAYED": "SD", "OUT_FOR_DELIVERY": "X6",
             "DELIVERY_FAILED": "AH", "DELIVERED": "D1"}
EDIFACT_CODES = {"PICKED_UP": "10", "IN_TRANSIT": "24", "DELAYED": "39", "OUT_FOR_DELIVERY": "25",
                 "DELIVERY_FAILED": "26", "DELIVERED": "21"}
PARTY = {"sandbox-3pl": "SBX3PL", "sandbox-carrier": "SBXCARRIER", "sandbox-eu": "SBXEU"}
PER_FILE = 10
FAULT_RATE = 0.05


@dataclass
class Planted:
    key: str                 # the sandbox record key (shipment, invoice or event id)
    set_id: str
    fault: str | None        # None, "count" (wrong SE/UNT count) or "code" (unknown status code)


@dataclass
class DropFile:
    partner: str
    name: str
    data: bytes
    transactions: list[Planted] = field(default_factory=list)
    copy_of: str | None = None   # a duplicate drop of this file name


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def _x12(partner: str, control: int, functional: str, transactions: list[list[str]]) -> bytes:
    sender = PARTY[partner].ljust(15)
    out = [f"ISA*00*          *00*          *ZZ*{sender}*ZZ*TOWERDIST      *260101*0000*U*00401*{control:09d}*0*P*>",
           f"GS*{functional}*{PARTY[partner]}*TOWERDIST*20260101*0000*{control}*X*004010"]
    for segments in transactions:
        out += segments
    out += [f"GE*{len(transactions)}*{control}", f"IEA*1*{control:09d}"]
    return ("~\n".join(out) + "~\n").encode()


def _st(set_id: str, n: int, body: list[str], fault: str | None) -> list[str]:
    count = len(body) + 2 + (3 if fault == "count" else 0)
    return [f"ST*{set_id}*{n:04d}", *body, f"SE*{count}*{n:04d}"]


def _856(record: dict[str, Any]) -> list[str]:
    at = _utc(record["shipped_at"])
    body = [f"BSN*00*{record['shipment_no']}*{at:%Y%m%d}*{at:%H%M}", f"DTM*011*{at:%Y%m%d}*{at:%H%M%S}*UT",
            "HL*1**S", f"TD5*B*2*{record.get('carrier_code') or 'SBXC'}", f"REF*CN*{record['tracking_number']}",
            "HL*2*1*O", f"PRF*{record['order_ref']}"]
    for n, line in enumerate(record.get("lines") or [], start=3):
        body += [f"HL*{n}*2*I", f"LIN*{line['ref_line']}*SK*{line.get('sku') or ''}", f"SN1**{line['qty']}*EA"]
    return body


def _810(record: dict[str, Any]) -> list[str]:
    at = _utc(record["issued_at"])
    body = [f"BIG*{at:%Y%m%d}*{record['invoice_no']}**{record['order_ref']}", f"CUR*SE*{record.get('currency') or 'USD'}"]
    for line in record.get("lines") or []:
        body.append(f"IT1*{line['line_ref']}*{line['qty']}*EA*{line['unit_price']}**VN*{line.get('sku') or ''}")
    cents = int((Decimal(str(record["total"])) * 100).to_integral_value())
    body += [f"TDS*{cents}", f"CTT*{len(record.get('lines') or [])}"]
    return body


def _214(record: dict[str, Any], fault: str | None) -> list[str]:
    at = _utc(record["occurred_at"])
    code = "ZZ" if fault == "code" else X12_CODES[record["code"]]
    body = [f"B10*{record['tracking_number']}*{record.get('shipper_reference') or ''}*{record.get('carrier') or 'SBXC'}",
            "LX*1", f"AT7*{code}*NS***{at:%Y%m%d}*{at:%H%M%S}*UT"]
    where = record.get("location") or {}
    if where.get("city"):
        body.append(f"MS1*{where['city']}*{where.get('state') or ''}")
    return body


def _iftsta(records: list[tuple[dict[str, Any], str | None]], control: int) -> bytes:
    out = [f"UNB+UNOA:3+{PARTY['sandbox-eu']}:ZZ+TOWERDIST:ZZ+260101:0000+{control}"]
    for n, (record, fault) in enumerate(records, start=1):
        at = _utc(record["occurred_at"])
        status = "999" if fault == "code" else EDIFACT_CODES[record["code"]]
        body = [f"BGM+23+{record['event_id']}+9", f"CNI+1+{record['tracking_number']}", f"STS+1+{status}",
                f"DTM+334:{at:%Y%m%d%H%M}:203"]
        count = len(body) + 2 + (3 if fault == "count" else 0)
        out += [f"UNH+{n}+IFTSTA:D:01B:UN", *body, f"UNT+{count}+{n}"]
    out.append(f"UNZ+{len(records)}+{control}")
    return ("'\n".join(out) + "'\n").encode()


def _fault(rng: random.Random, allowed: tuple[str, ...]) -> str | None:
    return rng.choice(allowed) if rng.random() < FAULT_RATE else None


def _current(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r.get("current") and not r.get("defect")]


def render_drops(ledger: Any, seed: int = 7) -> list[DropFile]:
    """The partners' files for what the sandbox published (see the module docstring).
    `ledger(system)` yields the sandbox's ledger rows (`Sandbox.ledger`)."""
    rng = random.Random(seed)
    files: list[DropFile] = []
    control = 100

    def batches(items: list, size: int = PER_FILE):
        for start in range(0, len(items), size):
            yield items[start:start + size]

    wms = [r for r in _current(ledger("wms")) if r["resource"] == "shipments"]
    for chunk in batches(wms):
        control += 1
        planted, sets = [], []
        for n, row in enumerate(chunk, start=1):
            fault = _fault(rng, ("count",))
            sets.append(_st("856", n, _856(row["record"]), fault))
            planted.append(Planted(row["key"], "856", fault))
        files.append(DropFile("sandbox-3pl", f"asn-{control}.x12", _x12("sandbox-3pl", control, "SH", sets), planted))
    invoices = [r for r in _current(ledger("finance")) if r["resource"] == "invoices"]
    for chunk in batches(invoices):
        control += 1
        planted, sets = [], []
        for n, row in enumerate(chunk, start=1):
            fault = _fault(rng, ("count",))
            sets.append(_st("810", n, _810(row["record"]), fault))
            planted.append(Planted(row["key"], "810", fault))
        files.append(DropFile("sandbox-3pl", f"inv-{control}.x12", _x12("sandbox-3pl", control, "IN", sets), planted))
    events = _current(ledger("carrier"))
    by_edifact = [r for r in events if zlib.crc32(r["record"]["tracking_number"].encode()) % 5 == 0]
    by_x12 = [r for r in events if r not in by_edifact]
    for chunk in batches(by_x12):
        control += 1
        planted, sets = [], []
        for n, row in enumerate(chunk, start=1):
            fault = _fault(rng, ("count", "code"))
            sets.append(_st("214", n, _214(row["record"], fault), fault))
            planted.append(Planted(row["key"], "214", fault))
        files.append(DropFile("sandbox-carrier", f"status-{control}.x12", _x12("sandbox-carrier", control, "QM", sets),
                              planted))
    for chunk in batches(by_edifact):
        control += 1
        marked = [(row["record"], _fault(rng, ("count", "code"))) for row in chunk]
        files.append(DropFile("sandbox-eu", f"iftsta-{control}.edi", _iftsta(marked, control),
                              [Planted(row["key"], "IFTSTA", fault) for row, (_, fault) in zip(chunk, marked)]))
    # The same file dropped twice (a partner's retry), and files out of order.
    for original in rng.sample(files, k=max(1, len(files) // 10)) if files else []:
        files.append(DropFile(original.partner, f"again-{original.name}", original.data, [], copy_of=original.name))
    rng.shuffle(files)
    return files


def drop(files: Iterable[DropFile], inbox: Path) -> list[Path]:
    """Write the files to `<inbox>/<partner>/` the way an SFTP client does: upload under a
    temporary name, then rename, so the poller never reads half a file."""
    written = []
    for item in files:
        folder = inbox / item.partner
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / f"{item.name}.part"
        temp.write_bytes(item.data)
        target = folder / item.name
        temp.replace(target)
        written.append(target)
    return written
