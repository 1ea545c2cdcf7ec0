"""Transaction sets and messages -> milestones: one function per set, looked up here.

`map_transaction` returns the milestones of one accepted transaction, or raises
`MappingError` (missing element, unknown code, bad date ...). A set without a mapping of its
own is accepted with no milestones (tower reads it, it states no order fact), and says so.
"""

from __future__ import annotations

from typing import Callable

from collectors.edi import codes
from collectors.edi.mapping.common import Context, MappingError
from collectors.edi.mapping.edifact_messages import (
    check_only,
    map_desadv,
    map_iftsta,
    map_invoic,
    map_orders,
    map_ordrsp,
)
from collectors.edi.mapping.x12_carrier import map_214
from collectors.edi.mapping.x12_orders import check_997, map_810, map_850, map_855
from collectors.edi.mapping.x12_shipping import map_856, map_940, map_945
from tower.store.milestone import Milestone

Mapper = Callable[[Context], list[Milestone]]

MAPPERS: dict[tuple[str, str], Mapper] = {
    ("X12", "214"): map_214,
    ("X12", "856"): map_856,
    ("X12", "945"): map_945,
    ("X12", "940"): map_940,
    ("X12", "810"): map_810,
    ("X12", "850"): map_850,
    ("X12", "855"): map_855,
    ("X12", "997"): check_997,
    ("EDIFACT", "IFTSTA"): map_iftsta,
    ("EDIFACT", "DESADV"): map_desadv,
    ("EDIFACT", "INVOIC"): map_invoic,
    ("EDIFACT", "ORDERS"): map_orders,
    ("EDIFACT", "ORDRSP"): map_ordrsp,
}


def mapper_for(standard: str, set_id: str) -> Mapper:
    return MAPPERS.get((standard, set_id)) or (check_only if standard == "EDIFACT" else (lambda ctx: []))


def is_mapped(standard: str, set_id: str) -> bool:
    return (standard, set_id) in MAPPERS


def context(partner, interchange, group, transaction) -> Context:
    """The mapping context, with the standard's code lists and the partner's overrides."""
    name = "x12" if transaction.standard == "X12" else "edifact"
    return Context(partner, interchange, group, transaction, codes.merged(name, partner.codes))


def map_transaction(ctx: Context) -> list[Milestone]:
    return mapper_for(ctx.transaction.standard, ctx.transaction.set_id)(ctx)


__all__ = ["Context", "MappingError", "MAPPERS", "map_transaction", "mapper_for", "is_mapped", "context"]
