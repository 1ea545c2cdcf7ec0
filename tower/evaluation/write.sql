-- Outcomes of a batch, written with one statement per table from parallel arrays.
-- Parameters are %(name)b (binary): text arrays sent as text would be escaped string by
-- string in Python, which costs more than the UPDATE itself for a 5k batch.

-- name: update_orders
UPDATE orders o
SET waiting_on = v.waiting_on, owner_team = v.owner_team, due_at = v.due_at,
    at_risk_at = v.at_risk_at, escalate_at = v.escalate_at, sla_state = v.sla_state,
    reason = v.reason, reason_facts = v.reason_facts::jsonb, policy_version = v.policy_version,
    evaluated_at = v.evaluated_at, step_system = v.step_system, held_on = v.held_on,
    next_check_at = v.next_check_at
FROM unnest(%(order_id)b::text[], %(waiting_on)b::text[], %(owner_team)b::text[],
            %(due_at)b::timestamptz[], %(at_risk_at)b::timestamptz[],
            %(escalate_at)b::timestamptz[], %(sla_state)b::text[], %(reason)b::text[],
            %(reason_facts)b::text[], %(policy_version)b::text[], %(evaluated_at)b::timestamptz[],
            %(step_system)b::text[], %(held_on)b::text[], %(next_check_at)b::timestamptz[])
     AS v(order_id, waiting_on, owner_team, due_at, at_risk_at, escalate_at, sla_state, reason,
          reason_facts, policy_version, evaluated_at, step_system, held_on, next_check_at)
WHERE o.order_id = v.order_id
  -- the array predicate lets the planner reach the rows through the primary key instead of
  -- hashing the whole table (a join on unnest alone may seq-scan 1M orders)
  AND o.order_id = ANY(%(order_id)b::text[]);

-- name: update_lines
-- Only lines whose decision changed (most lines of a touched order did not): evaluated_at on a
-- line is when its decision last changed.
UPDATE order_lines ol
SET stage = v.stage, waiting_on = v.waiting_on, qty_open = v.qty_open,
    qty_to_invoice = v.qty_to_invoice, qty_to_credit = v.qty_to_credit,
    evaluated_at = v.evaluated_at
FROM unnest(%(order_id)b::text[], %(line_no)b::int[], %(stage)b::text[], %(waiting_on)b::text[],
            %(qty_open)b::numeric[], %(qty_to_invoice)b::numeric[], %(qty_to_credit)b::numeric[],
            %(evaluated_at)b::timestamptz[])
     AS v(order_id, line_no, stage, waiting_on, qty_open, qty_to_invoice, qty_to_credit, evaluated_at)
WHERE ol.order_id = v.order_id AND ol.line_no = v.line_no
  AND ol.order_id = ANY(%(order_id)b::text[])
  AND (ol.stage, ol.waiting_on, ol.qty_open, ol.qty_to_invoice, ol.qty_to_credit)
      IS DISTINCT FROM (v.stage, v.waiting_on, v.qty_open, v.qty_to_invoice, v.qty_to_credit);
