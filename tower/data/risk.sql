-- Reads for /risk (the model's backtest and versions), /review (the flags people judge) and
-- the order page (its score and reasons). Scoped by warehouse through the order.

-- name: in_service
SELECT version, trained_at, window_from, window_to, split_at, features, backtest, promoted_at
FROM risk_models WHERE kind = 'sla_miss_risk' AND status = 'in_service';

-- name: models
-- People's verdicts per version are merged in from tower/data/risk_reviews.py (one definition).
SELECT m.version, m.trained_at, m.window_from, m.window_to, m.status, m.status_reason,
       (m.backtest -> 'model' ->> 'brier')::float8 AS brier,
       (m.backtest -> 'model' ->> 'auc')::float8 AS auc,
       (m.backtest -> 'baseline' ->> 'brier')::float8 AS baseline_brier,
       (m.backtest -> 'baseline' ->> 'auc')::float8 AS baseline_auc,
       m.backtest -> 'training' AS training
FROM risk_models m
WHERE m.kind = 'sla_miss_risk'
ORDER BY m.trained_at DESC, m.version DESC
LIMIT 50;

-- name: queue
SELECT f.flag_id, f.order_id, o.warehouse, o.customer_name, o.stage, o.promised_at,
       f.score::float8 AS score, f.threshold::float8 AS threshold, f.band, f.decision, f.policy_rule,
       f.model_version, f.raised_at, f.status, f.exception_id, f.reasons,
       f.reviewed_by, f.reviewed_at, f.review_reason, f.kind
FROM risk_flags f JOIN orders o ON o.order_id = f.order_id
WHERE f.status = ANY(:statuses)
  AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))
ORDER BY (f.decision = 'escalate') DESC, f.score DESC, f.flag_id
LIMIT :limit;

-- name: in_scope
SELECT f.flag_id FROM risk_flags f JOIN orders o ON o.order_id = f.order_id
WHERE f.flag_id = ANY(:ids)
  AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses));

-- name: order_risk
SELECT s.score::float8 AS score, s.model_version, s.scored_at, s.reasons,
       f.flag_id, f.decision, f.band, f.policy_rule, f.threshold::float8 AS threshold, f.status AS flag_status
FROM orders o
JOIN risk_scores s ON s.order_id = o.order_id
LEFT JOIN LATERAL (
    SELECT * FROM risk_flags x WHERE x.order_id = o.order_id ORDER BY x.raised_at DESC LIMIT 1
) f ON true
WHERE o.order_id = :order_id
  AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses));

-- name: events
SELECT e.at, e.actor, e.action, e.reason, e.model_version, e.detail
FROM risk_flag_events e WHERE e.flag_id = :flag_id ORDER BY e.at, e.event_id;
