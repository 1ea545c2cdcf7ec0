-- name: partner_files
SELECT partner_id,
       count(*) AS files,
       coalesce(sum(transactions), 0) AS transactions,
       coalesce(sum(rejected), 0) AS rejected,
       count(*) FILTER (WHERE outcome <> 'accepted') AS files_with_rejects,
       sum(times_seen - 1) AS duplicates,
       max(last_seen_at) AS last_at,
       (array_agg(name ORDER BY received_at DESC, file_id DESC))[1] AS last_file,
       (array_agg(outcome ORDER BY received_at DESC, file_id DESC))[1] AS last_outcome
FROM edi_files
GROUP BY partner_id
ORDER BY partner_id NULLS LAST

-- name: webhook_providers
SELECT provider,
       count(*) AS events,
       count(*) FILTER (WHERE status = 'new') AS waiting,
       count(*) FILTER (WHERE status = 'dead') AS dead,
       max(received_at) AS last_at
FROM webhook_inbox
GROUP BY provider
ORDER BY provider
