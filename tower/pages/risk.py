"""/risk — the SLA-miss risk model: its backtest against the rules baseline (calibration,
Brier score, AUC, precision and recall at the operating threshold, on the same held-out
orders), how much earlier it flags the orders that did miss, and every model version with its
status and the precision people judged on /review (for the warehouses in the viewer's scope).
"""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc
from dash import dcc, html

from tower.auth import current
from tower.components.shell import empty_state
from tower.components.tables import simple_table
from tower.components.timefmt import fmt
from tower.data import risk
from tower.data.access import reading
from tower.figures.risk import calibration

dash.register_page(__name__, path="/risk", title="Risk model · tower")


class Ids:
    FIGURES = "risk-figures"
    CALIBRATION = "risk-calibration"
    VERSIONS = "risk-versions"
    EARLIER = "risk-earlier"


def _n(value: Any, pattern: str = "{:.3f}") -> str:
    return "—" if value is None else pattern.format(value)


def _figures_table(bt: dict[str, Any]) -> Any:
    rows = []
    for key, name in (("model", "Model"), ("baseline", "Rules: 75% of the SLA")):
        f = bt.get(key) or {}
        rows.append([name, _n(f.get("brier")), _n(f.get("auc")), _n(f.get("precision"), "{:.1%}"),
                     _n(f.get("recall"), "{:.1%}"), f"{f.get('flagged', 0):,}", f"{f.get('n', 0):,}",
                     f"{f.get('orders', 0):,}"])
    return simple_table(["", "Brier score (lower is better)", "AUC", "Precision", "Recall", "Flagged points",
                         "Points", "Orders"], rows, numeric=range(1, 8), id=Ids.FIGURES)


def _earlier(bt: dict[str, Any]) -> Any:
    e = bt.get("earlier") or {}
    median = e.get("median_hours")
    return dmc.Text([
        f"Of {e.get('missed_orders', 0):,} held-out orders that missed their promise, the model flagged "
        f"{e.get('flagged_by_both', 0) + e.get('only_model', 0):,} and the rules "
        f"{e.get('flagged_by_both', 0) + e.get('only_baseline', 0):,}. ",
        html.B(f"The model flagged them {median:.1f} hours earlier than the rules (median)"
               if median is not None else "No order was flagged by both."),
        f" ({e.get('only_model', 0):,} only by the model, {e.get('only_baseline', 0):,} only by the rules.)"],
        id=Ids.EARLIER, size="sm")


def _versions(frame: Any) -> Any:
    rows = [[r.version, fmt(r.trained_at), f"{fmt(r.window_from)} – {fmt(r.window_to)}", r.status.replace("_", " "),
             _n(r.brier), _n(r.auc), _n(r.baseline_brier), f"{int(r.accepted) + int(r.dismissed):,}",
             _n(r.people_precision, "{:.0%}"), r.status_reason or ""]
            for r in frame.itertuples()]
    return simple_table(["Version", "Trained", "Training window", "Status", "Brier", "AUC", "Rules' Brier",
                         "Reviewed flags", "Precision judged by people", "Why"], rows,
                        numeric=(4, 5, 6, 7, 8), id=Ids.VERSIONS)


def layout(**_: str) -> html.Div:
    scope = current.scope()
    with reading() as conn:
        model = risk.in_service(conn=conn)
        versions = risk.models(conn=conn, scope=scope)
    head = dmc.Title("SLA-miss risk model", order=2)
    if model is None:
        return html.Div([head, empty_state(
            "No model in service yet.",
            "The collector process trains one once orders have closed (or run `tower risk train`).")])
    bt = model["backtest"]
    threshold = (bt.get("model") or {}).get("threshold")
    return html.Div([
        head,
        dmc.Text(f"In service: {model['version']}, trained {fmt(model['trained_at'])} on orders placed "
                 f"{fmt(model['window_from'])} – {fmt(model['window_to'])}; held out: orders placed from "
                 f"{fmt(model['split_at'])}. Operating threshold {_n(threshold, '{:.0%}')} "
                 "(policy decision_rights). The rules baseline calls an order at risk once it has used 75% "
                 "of its stage's SLA or of its time to the promise (escalation.at_risk), judged on the same points.",
                 size="sm", c="dimmed"),
        dmc.Title("Backtest", order=3, mt="md"),
        _figures_table(bt),
        html.Div(_earlier(bt), style={"marginTop": 8}),
        dcc.Graph(id=Ids.CALIBRATION, figure=calibration(bt), config={"displayModeBar": False}),
        dmc.Title("Model versions", order=3, mt="md"),
        dmc.Text("A candidate that backtests worse than the model in service (Brier score on the same points) "
                 "is kept as rejected, not promoted. Precision judged by people: accepted flags over reviewed "
                 "flags on /review.", size="sm", c="dimmed"),
        _versions(versions),
    ], className="risk-page")
