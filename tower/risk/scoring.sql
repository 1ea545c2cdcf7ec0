-- The latest score of every open order (risk_scores), written set-based.

-- name: upsert
INSERT INTO risk_scores (order_id, model_version, scored_at, score, reasons)
SELECT v.order_id, :model_version, :now, v.score, v.reasons::jsonb
FROM unnest(CAST(:order_id AS text[]), CAST(:score AS real[]), CAST(:reasons AS text[]))
     AS v(order_id, score, reasons)
ON CONFLICT (order_id) DO UPDATE
SET model_version = excluded.model_version, scored_at = excluded.scored_at,
    score = excluded.score, reasons = excluded.reasons;

-- name: forget_closed
-- Orders that are no longer open keep no score (their flags keep theirs).
DELETE FROM risk_scores s
WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.order_id = s.order_id AND o.status = 'open'
                  AND o.stage NOT IN ('delivered', 'invoiced', 'paid'));
