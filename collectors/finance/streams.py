"""Finance streams: invoices, payments and credit notes.

An invoice is mutable (its balance moves with payments), but the fact tower needs from it — it
was issued, for these lines and this amount — is keyed `<invoice_no>#issued`, the same in every
version. Payments name the invoice number, so they reach their order through
`Ref("finance", "invoice_no", ...)` (parked until the invoice is known).
"""

from __future__ import annotations

from typing import Any

from collectors.stream import (
    Stream,
    each_object,
    need_amount,
    need_int,
    need_list,
    need_text,
    need_time,
    opt_amount,
    opt_date_end,
    opt_text,
)
from tower.store.milestone import Milestone, Ref

SOURCE = "finance"


def _priced_lines(record: Any) -> list[dict[str, Any]]:
    return [{"line_no": need_int(line, "line_ref"), "sku": opt_text(line, "sku"),
             "qty": need_int(line, "qty"), "unit_price": need_amount(line, "unit_price"),
             "amount": opt_amount(line, "amount")}
            for line in each_object(need_list(record, "lines"), "lines")]


class Invoices(Stream):
    name = "invoices"
    source = SOURCE
    path = "/v1/invoices"
    natural_key = ("invoice_no", "updated_at")
    replication_key = "updated_at"

    def to_milestones(self, record: Any) -> list[Milestone]:
        invoice_no = need_text(record, "invoice_no")
        shipment = opt_text(record, "shipment_ref")
        return [Milestone(
            source=SOURCE, source_event_id=f"{invoice_no}#issued", kind="invoiced",
            occurred_at=need_time(record, "issued_at"), order_id=need_text(record, "order_ref"),
            invoice_id=invoice_no, shipment_id=shipment,
            attrs={"invoice_id": invoice_no, "invoice_no": invoice_no, "shipment_id": shipment,
                   "amount": need_amount(record, "total"), "currency": opt_text(record, "currency"),
                   "due_at": opt_date_end(record, "due_date"), "terms": opt_text(record, "terms"),
                   "customer_id": opt_text(record, "customer_id"), "lines": _priced_lines(record)},
        )]


class Payments(Stream):
    name = "payments"
    source = SOURCE
    path = "/v1/payments"
    natural_key = ("payment_id",)
    replication_key = "updated_at"

    def to_milestones(self, record: Any) -> list[Milestone]:
        payment_id = need_text(record, "payment_id")
        invoice_no = need_text(record, "invoice_no")
        return [Milestone(
            source=SOURCE, source_event_id=payment_id, kind="paid",
            occurred_at=need_time(record, "received_at"),
            # The order reference is optional here: the invoice number leads to the order.
            order_id=opt_text(record, "order_ref"), ref=Ref("finance", "invoice_no", invoice_no),
            payment_id=payment_id, invoice_id=invoice_no,
            attrs={"payment_id": payment_id, "invoice_id": invoice_no,
                   "amount": need_amount(record, "amount"), "method": opt_text(record, "method")},
        )]


class CreditNotes(Stream):
    name = "credit_notes"
    source = SOURCE
    path = "/v1/credit-notes"
    natural_key = ("credit_note_no",)
    replication_key = "updated_at"

    def to_milestones(self, record: Any) -> list[Milestone]:
        note = need_text(record, "credit_note_no")
        rma = opt_text(record, "rma_ref")
        return [Milestone(
            source=SOURCE, source_event_id=note, kind="credited",
            occurred_at=need_time(record, "issued_at"), order_id=need_text(record, "order_ref"),
            return_id=rma, invoice_id=opt_text(record, "invoice_no"),
            attrs={"credit_note_no": note, "return_id": rma, "amount": need_amount(record, "amount"),
                   "reason": opt_text(record, "reason"), "lines": _priced_lines(record)},
        )]


STREAMS: list[type[Stream]] = [Invoices, Payments, CreditNotes]
__all__ = ["Invoices", "Payments", "CreditNotes", "STREAMS"]
