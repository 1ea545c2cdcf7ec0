-- Precision judged by people: per flag kind and model (or check) version, what people decided
-- about its flags on /review. Read by /risk and GET /api/v1/risk/reviews (tower/data/risk_reviews.py).
-- Scoped by warehouse through the flag's order.

-- name: by_version
-- One row per (kind, version): every version of a kind in risk_models (none reviewed yet: zeros),
-- with the flags whose current model_version is that version (an upgraded flag names the version
-- that last scored it, the one a reviewer saw). Reasons counted per verdict.
WITH scoped AS (
    SELECT f.kind, f.model_version, f.status, f.review_reason
    FROM risk_flags f JOIN orders o ON o.order_id = f.order_id
    WHERE CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses)
), counts AS (
    SELECT kind, model_version, count(*) AS raised,
           count(*) FILTER (WHERE status = 'open') AS open,
           count(*) FILTER (WHERE status = 'expired') AS expired,
           count(*) FILTER (WHERE status = 'accepted') AS accepted,
           count(*) FILTER (WHERE status = 'dismissed') AS dismissed
    FROM scoped GROUP BY kind, model_version
), reasons AS (
    SELECT kind, model_version,
           jsonb_object_agg(review_reason, n) FILTER (WHERE status = 'accepted') AS accepted_by_reason,
           jsonb_object_agg(review_reason, n) FILTER (WHERE status = 'dismissed') AS dismissed_by_reason
    FROM (SELECT kind, model_version, status, coalesce(review_reason, 'none') AS review_reason, count(*) AS n
          FROM scoped WHERE status IN ('accepted', 'dismissed')
          GROUP BY kind, model_version, status, coalesce(review_reason, 'none')) r
    GROUP BY kind, model_version
), versions AS (
    SELECT kind, version, status, trained_at FROM risk_models
    UNION ALL
    -- a flag naming a version that has no row (cannot happen through tower; kept visible if it does)
    SELECT c.kind, c.model_version, 'unknown', NULL FROM counts c
    WHERE NOT EXISTS (SELECT 1 FROM risk_models m WHERE m.version = c.model_version)
)
SELECT * FROM (
    SELECT v.kind, v.version AS model_version, v.status AS version_status, v.trained_at,
           coalesce(c.raised, 0) AS raised, coalesce(c.open, 0) AS open, coalesce(c.expired, 0) AS expired,
           coalesce(c.accepted, 0) AS accepted, coalesce(c.dismissed, 0) AS dismissed,
           coalesce(r.accepted_by_reason, '{}'::jsonb) AS accepted_by_reason,
           coalesce(r.dismissed_by_reason, '{}'::jsonb) AS dismissed_by_reason,
           row_number() OVER (PARTITION BY v.kind ORDER BY v.trained_at DESC NULLS LAST, v.version DESC) AS nth
    FROM versions v
    LEFT JOIN counts c ON c.kind = v.kind AND c.model_version = v.version
    LEFT JOIN reasons r ON r.kind = v.kind AND r.model_version = v.version
) x
WHERE nth <= :per_kind
ORDER BY kind DESC, nth;
