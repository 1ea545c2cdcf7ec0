-- name: find
SELECT file_id, sha256, name, partner_id, outcome, transactions, accepted, rejected, milestones, reason
FROM edi_files WHERE sha256 = :sha256

-- name: touch
UPDATE edi_files SET last_seen_at = :now, times_seen = times_seen + 1 WHERE sha256 = :sha256

-- name: insert
INSERT INTO edi_files (sha256, name, partner_id, standard, via, outcome, interchanges, transactions,
                       accepted, rejected, milestones, segments, reason, received_at, last_seen_at)
VALUES (:sha256, :name, :partner_id, :standard, :via, :outcome, :interchanges, :transactions,
        :accepted, :rejected, :milestones, :segments, :reason, :now, :now)
ON CONFLICT (sha256) DO NOTHING
RETURNING file_id

-- name: next_ack_control
SELECT nextval('edi_ack_control_seq')
