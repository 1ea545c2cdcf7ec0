-- Outcomes of a batch, written with one statement per table from parallel arrays.
-- Parameters go binary (sqlfiles.load_psycopg(..., binary=True)): text arrays sent as text
-- would be escaped string by string in Python, which costs more than the UPDATE itself for
-- a 5k batch.

-- name: update_orders
UPDATE orders o
SET waiting_on = v.waiting_on, owner_team = v.owner_team, due_at = v.due_at,
    at_risk_at = v.at_risk_at, escalate_at = v.escalate_at, sla_state = v.sla_state,
    reason = v.reason, reason_facts = v.reason_facts::jsonb, policy_version = v.policy_version,
    evaluated_at = v.evaluated_at, step_system = v.step_system, held_on = v.held_on,
    next_check_at = v.next_check_at
FROM unnest(CAST(:order_id AS text[]), CAST(:waiting_on AS text[]), CAST(:owner_team AS text[]),
            CAST(:due_at AS timestamptz[]), CAST(:at_risk_at AS timestamptz[]),
            CAST(:escalate_at AS timestamptz[]), CAST(:sla_state AS text[]), CAST(:reason AS text[]),
            CAST(:reason_facts AS text[]), CAST(:policy_version AS text[]), CAST(:evaluated_at AS timestamptz[]),
            CAST(:step_system AS text[]), CAST(:held_on AS text[]), CAST(:next_check_at AS timestamptz[]))
     AS v(order_id, waiting_on, owner_team, due_at, at_risk_at, escalate_at, sla_state, reason,
          reason_facts, policy_version, evaluated_at, step_system, held_on, next_check_at)
WHERE o.order_id = v.order_id
  -- the array predicate lets the planner reach the rows through the primary key instead of
  -- hashing the whole table (a join on unnest alone may seq-scan 1M orders)
  AND o.order_id = ANY(CAST(:order_id AS text[]));

-- name: update_lines
-- Only lines whose decision changed (most lines of a touched order did not): evaluated_at on a
-- line is when its decision last changed.
UPDATE order_lines ol
SET stage = v.stage, waiting_on = v.waiting_on, qty_open = v.qty_open,
    qty_to_invoice = v.qty_to_invoice, qty_to_credit = v.qty_to_credit,
    evaluated_at = v.evaluated_at
FROM unnest(CAST(:order_id AS text[]), CAST(:line_no AS int[]), CAST(:stage AS text[]), CAST(:waiting_on AS text[]),
            CAST(:qty_open AS numeric[]), CAST(:qty_to_invoice AS numeric[]), CAST(:qty_to_credit AS numeric[]),
            CAST(:evaluated_at AS timestamptz[]))
     AS v(order_id, line_no, stage, waiting_on, qty_open, qty_to_invoice, qty_to_credit, evaluated_at)
WHERE ol.order_id = v.order_id AND ol.line_no = v.line_no
  AND ol.order_id = ANY(CAST(:order_id AS text[]))
  AND (ol.stage, ol.waiting_on, ol.qty_open, ol.qty_to_invoice, ol.qty_to_credit)
      IS DISTINCT FROM (v.stage, v.waiting_on, v.qty_open, v.qty_to_invoice, v.qty_to_credit);
