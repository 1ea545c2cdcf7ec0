"""Callback input values a curious or hostile user would send, shared by the crawls and the
fuzz test."""

from __future__ import annotations


def plausible(world, warehouse: str = "ATL-1") -> dict:
    """Input values a curious user would try to reach `warehouse`'s data, per (id, property)."""
    order = world.orders_of(warehouse)[0]
    eid = world.exceptions[warehouse][0]
    return {
        ("orders-search", "value"): order.order_id, ("orders-search", "n_submit"): 1,
        ("queues-selected", "data"): f"{warehouse}|released", ("queues-stages", "value"): "all",
        ("queues-interval", "n_intervals"): 1, ("queues-wallboard", "data"): {"big": False, "refresh": None},
        ("teams-team", "value"): f"warehouse-{warehouse}", ("teams-period", "value"): "30",
        ("teams-team", "data"): [{"value": f"warehouse-{warehouse}", "label": f"Warehouse {warehouse}"}],
        ("kpis-warehouse", "value"): warehouse, ("kpis-period", "value"): "365", ("kpis-kpi", "value"): "otif",
        ("kpis-grain", "value"): "week", ("kpis-csv-orders", "n_clicks"): 1, ("kpis-csv-kpis", "n_clicks"): 1,
        ("exceptions-grid", "selectedRows"): [{"exception_id": eid}],
        ("exceptions-filters", "data"): {"order": order.order_id, "id": str(eid)},
        ("exceptions-export", "n_clicks"): 1, ("exceptions-apply", "n_clicks"): 1,
        ("integrations-interval", "n_intervals"): 1, ("integrations-letters", "cellClicked"): None,
        ('{"index":["ALL"],"type":"integrations-incident"}', "n_clicks"): 1,
        ('{"index":["ALL"],"type":"kpis-card-drill"}', "n_clicks"): 1,
        ('{"key":["ALL"],"type":"queues-cell"}', "n_clicks"): 1,
    }


def pattern_key(world, cb) -> object:
    prefix = cb.inputs[0][0]
    if "integrations-incident" in prefix:
        return world.incident_id
    if "queues-cell" in prefix:
        return "ATL-1|released"
    return "otif"
