-- Outbound notifications as /integrations shows them.

-- name: dead_letters
-- Deliveries that kept failing, newest failure first, with what they were about.
SELECT d.delivery_id, d.purpose, d.channel, d.target, d.team_id, d.rule, d.attempts,
       d.last_error AS reason, d.created_at, d.last_attempt_at, d.replays,
       (SELECT count(*) FROM notification_delivery_events x WHERE x.delivery_id = d.delivery_id)::int AS events
FROM notification_deliveries d
WHERE d.status = 'dead'
ORDER BY d.last_attempt_at DESC, d.delivery_id DESC
LIMIT :limit;

-- name: summary
-- Per channel: waiting, sent in the last 24 hours, dead, and events not routed yet.
SELECT c.channel,
       (SELECT count(*) FROM notification_deliveries d WHERE d.channel = c.channel AND d.status = 'pending')::int AS pending,
       (SELECT count(*) FROM notification_deliveries d WHERE d.channel = c.channel AND d.status = 'pending' AND d.attempts > 0)::int AS retrying,
       (SELECT count(*) FROM notification_deliveries d WHERE d.channel = c.channel AND d.status = 'sent'
                                                       AND d.sent_at >= :now - interval '24 hours')::int AS sent_24h,
       (SELECT count(*) FROM notification_deliveries d WHERE d.channel = c.channel AND d.status = 'dead')::int AS dead,
       (SELECT max(sent_at) FROM notification_deliveries d WHERE d.channel = c.channel AND d.status = 'sent') AS last_sent_at
FROM (VALUES ('email'), ('webhook')) AS c(channel);
