-- Recompute projections from the whole milestone log (the reference path of ingest).

-- Kinds NULL: every projection of these orders is recomputed (tower/store/projections.sql).

-- name: touch_all
INSERT INTO _touched (order_id) SELECT DISTINCT order_id FROM milestones
ON CONFLICT (order_id) DO UPDATE SET kinds = NULL

-- name: touch_given
INSERT INTO _touched (order_id) SELECT DISTINCT m.order_id FROM milestones m
WHERE m.order_id = ANY(CAST(:order_ids AS text[]))
ON CONFLICT (order_id) DO UPDATE SET kinds = NULL

-- name: count_touched
SELECT count(*) FROM _touched
