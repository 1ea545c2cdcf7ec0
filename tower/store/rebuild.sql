-- Recompute projections from the whole milestone log (the reference path of ingest).

-- name: touch_all
INSERT INTO _touched SELECT DISTINCT order_id FROM milestones ON CONFLICT DO NOTHING

-- name: touch_given
INSERT INTO _touched SELECT DISTINCT m.order_id FROM milestones m
WHERE m.order_id = ANY(CAST(:order_ids AS text[])) ON CONFLICT DO NOTHING

-- name: count_touched
SELECT count(*) FROM _touched
