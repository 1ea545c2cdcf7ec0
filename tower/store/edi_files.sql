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

-- name: replayed_transaction
-- One rejected transaction of the file went in on replay: it counts as accepted now, and the
-- file is accepted once none is left rejected (RHS values are the row's before the update).
UPDATE edi_files
SET accepted = accepted + 1, rejected = GREATEST(rejected - 1, 0), milestones = milestones + :milestones,
    outcome = CASE WHEN rejected <= 1 THEN 'accepted' ELSE 'partial' END,
    reason = CASE WHEN rejected <= 1 THEN NULL ELSE reason END
WHERE sha256 = :sha256

-- name: replayed_file
-- The whole file was rejected (a broken envelope, an unknown sender) and went in on replay.
UPDATE edi_files
SET outcome = 'accepted', transactions = :transactions, accepted = :transactions, rejected = 0,
    milestones = :milestones, reason = NULL
WHERE sha256 = :sha256

-- name: next_ack_control
SELECT nextval('edi_ack_control_seq')
