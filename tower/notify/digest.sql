-- A team's daily digest: the lists beside the counts (the counts come from tower.data.teams,
-- the same figures as /teams).

-- name: top_by_value
SELECT exception_id, title, order_id, kind, severity, value_at_risk::float8 AS value, due_at
FROM exceptions
WHERE team_id = :team AND status <> 'resolved' AND origin = 'live'
ORDER BY value_at_risk DESC, exception_id
LIMIT :top;

-- name: newly_breached
-- Live exceptions whose due time fell in [since, now) and that were still open at that time.
SELECT exception_id, title, order_id, kind, severity, value_at_risk::float8 AS value, due_at
FROM exceptions
WHERE team_id = :team AND origin = 'live' AND due_at >= :since AND due_at < :now
  AND (resolved_at IS NULL OR resolved_at > due_at)
ORDER BY due_at, exception_id;

-- name: rules_backlog
SELECT 1 FROM dirty_orders LIMIT 1;
