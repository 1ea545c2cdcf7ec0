"""/risk — the SLA-miss risk model: its backtest against the rules baseline (calibration,
Brier score, AUC, precision and recall at the operating threshold, on the same held-out
orders), how much earlier it flags the orders that did miss, and every model version with its
status, how many reviewed labels the model in service was trained with, and — for every flag
kind (SLA-miss risk, invoice discrepancy) and model or check version — the flags people
reviewed, accepted and dismissed (by reason) on /review and the precision they judged, with its
sample size and definition (for the warehouses in the viewer's scope; the same read as
GET /api/v1/risk/reviews).
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
from tower.data import risk, risk_reviews
from tower.data.access import reading
from tower.figures.risk import calibration

dash.register_page(__name__, path="/risk", title="Risk model · tower")


class Ids:
    FIGURES = "risk-figures"
    CALIBRATION = "risk-calibration"
    VERSIONS = "risk-versions"
    EARLIER = "risk-earlier"
    REVIEWS = "risk-reviews"
    REVIEWS_DEFINITION = "risk-reviews-definition"
    LABELS = "risk-labels"


KIND_WORDS = {"sla_miss_risk": "SLA-miss risk", "invoice_discrepancy": "Invoice discrepancy"}


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


def _by_reason(counts: dict[str, int]) -> str:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{risk.REASON_WORDS.get(k, k)} {v:,}" for k, v in items) or "—"


def _precision(r: Any) -> str:
    if not r.reviewed:
        return "—"
    return f"{r.precision:.0%} (95%: {r.precision_low:.0%}–{r.precision_high:.0%})"


def _reviews(frame: Any) -> Any:
    """Precision judged by people per flag kind and version, its definition beside it."""
    d = risk_reviews.PEOPLE_PRECISION
    definition = dmc.Alert([
        dmc.Text(d.definition, size="sm"),
        dmc.Text([html.B("Formula: "), d.formula], size="sm"),
        dmc.Text([html.B("Denominator (n): "), d.denominator], size="sm"),
        dmc.Text([html.B("Exclusions: "), d.exclusions], size="sm")],
        title=d.name, color="gray", variant="light", id=Ids.REVIEWS_DEFINITION, mt="xs")
    if frame.empty:
        return html.Div([definition, empty_state("No flags yet.", "Figures appear once the risk model or the "
                                                 "invoice check has raised flags for your warehouses.")])
    rows = [[KIND_WORDS.get(r.kind, r.kind), r.model_version, str(r.version_status).replace("_", " "),
             f"{r.raised:,}", f"{r.open:,}", f"{r.expired:,}", f"{r.reviewed:,}", f"{r.accepted:,}",
             f"{r.dismissed:,}", _by_reason(r.accepted_by_reason), _by_reason(r.dismissed_by_reason), _precision(r)]
            for r in frame.itertuples()]
    table = simple_table(["Flag", "Version", "Status", "Raised", "Open", "Expired", "Reviewed (n)", "Accepted",
                          "Dismissed", "Accepted because", "Dismissed because", "Precision judged by people"],
                         rows, numeric=range(3, 9), id=Ids.REVIEWS)
    return html.Div([definition, html.Div(table, style={"marginTop": 8})])


def _labels(model: dict[str, Any]) -> Any:
    training = (model.get("backtest") or {}).get("training") or {}
    orders = risk.reviewed_labels(training)
    if orders is None:
        words = (f"{model['version']} was trained before tower counted the orders people's verdicts labelled "
                 f"({int(training.get('labels_from_reviews') or 0):,} training points came from verdicts).")
    else:
        words = (f"{model['version']} was trained with {orders:,} reviewed labels: orders whose outcome was not "
                 f"known yet, labelled by a person's verdict on /review "
                 f"({int(training.get('reviewed_accepted') or 0):,} accepted = will miss, "
                 f"{int(training.get('reviewed_dismissed') or 0):,} dismissed = will not; "
                 f"{int(training.get('labels_from_reviews') or 0):,} of its "
                 f"{int(training.get('points') or 0):,} training points). Verdicts never enter the backtest.")
    return dmc.Text(words, size="sm", id=Ids.LABELS)


def _model(model: dict[str, Any], versions: Any) -> list[Any]:
    bt = model["backtest"]
    threshold = (bt.get("model") or {}).get("threshold")
    return [
        dmc.Text(f"In service: {model['version']}, trained {fmt(model['trained_at'])} on orders placed "
                 f"{fmt(model['window_from'])} – {fmt(model['window_to'])}; held out: orders placed from "
                 f"{fmt(model['split_at'])}. Operating threshold {_n(threshold, '{:.0%}')} "
                 "(policy decision_rights). The rules baseline calls an order at risk once it has used 75% "
                 "of its stage's SLA or of its time to the promise (escalation.at_risk), judged on the same points.",
                 size="sm", c="dimmed"),
        _labels(model),
        dmc.Title("Backtest", order=3, mt="md"),
        _figures_table(bt),
        html.Div(_earlier(bt), style={"marginTop": 8}),
        dcc.Graph(id=Ids.CALIBRATION, figure=calibration(bt), config={"displayModeBar": False}),
        dmc.Title("Model versions", order=3, mt="md"),
        dmc.Text("A candidate that backtests worse than the model in service (Brier score on the same points) "
                 "is kept as rejected, not promoted. Precision judged by people: accepted flags over reviewed "
                 "flags on /review (below, with its definition).", size="sm", c="dimmed"),
        _versions(versions),
    ]


def layout(**_: str) -> html.Div:
    scope = current.scope()
    with reading() as conn:
        model = risk.in_service(conn=conn)
        versions = risk.models(conn=conn, scope=scope)
        reviews = risk_reviews.by_version(conn=conn, scope=scope)
    head = dmc.Title("SLA-miss risk model", order=2)
    body = _model(model, versions) if model is not None else [empty_state(
        "No model in service yet.",
        "The collector process trains one once orders have closed and no source is catching up "
        "(or run `tower risk train`).")]
    return html.Div([
        head, *body,
        dmc.Title("Reviews: precision judged by people", order=3, mt="md"),
        dmc.Text("Every flag kind and model or check version, with what people decided about its flags on /review "
                 "(for your warehouses).", size="sm", c="dimmed"),
        _reviews(reviews),
    ], className="risk-page")
