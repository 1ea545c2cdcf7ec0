"""The order page's "Flow conformance" section: that order's deviations from the expected flow."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc


def order_conformance(deviations: list[dict[str, Any]] | None) -> dmc.Stack:
    """`deviations` from tower.data.flow.order_deviations (None: not checked yet)."""
    if deviations is None:
        return dmc.Stack([dmc.Text("Not checked yet: the collector process checks changed orders every minute.",
                                   size="sm", c="dimmed")], id="order-conformance")
    if not deviations:
        return dmc.Stack([dmc.Badge("Follows the expected flow", color="green", variant="light")],
                         id="order-conformance")
    items = [dmc.ListItem([d["label"], " ", dmc.Badge("accepted by policy", color="gray", variant="light", size="sm")
                           if d["accepted"] else None]) for d in deviations]
    return dmc.Stack([dmc.Text(f"{len(deviations)} deviation{'s' if len(deviations) > 1 else ''} from the "
                               "policy's flow model:", size="sm"), dmc.List(items, size="sm")],
                     gap=4, id="order-conformance")
