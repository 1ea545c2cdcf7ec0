-- name: lock_user
-- Attempts for one user name wait for each other (until the transaction ends), so that
-- simultaneous attempts cannot all pass the check before any failure is counted.
SELECT pg_advisory_xact_lock(hashtextextended('tower sign-in ' || :username, 0));

-- name: user_free_at
-- The limit-th newest failure in the window: once it leaves the window, fewer than `limit`
-- failures remain and the next attempt may go ahead. No row: not throttled.
SELECT failed_at + :window AS free_at
FROM sign_in_failures
WHERE username = :username AND failed_at > :since
ORDER BY failed_at DESC
OFFSET :skip LIMIT 1;

-- name: address_free_at
SELECT failed_at + :window AS free_at
FROM sign_in_failures
WHERE address = :address AND failed_at > :since
ORDER BY failed_at DESC
OFFSET :skip LIMIT 1;

-- name: record
INSERT INTO sign_in_failures (username, address, failed_at)
VALUES (:username, :address, :now);

-- name: forget_old
DELETE FROM sign_in_failures WHERE failed_at <= :since;

-- name: clear_user
DELETE FROM sign_in_failures WHERE username = :username;
