-- Server-side web sessions, so that signing out, a password change or an administrator
-- disabling a user ends a session at once (a signed cookie alone cannot be taken back).
-- The cookie carries a random session id; only its SHA-256 is stored, so reading this table
-- does not let anyone open a session.
CREATE TABLE sessions (
    id_hash      text PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
    username     text NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    -- Updated at most about once a minute (not on every request): the idle timeout is
    -- measured from here.
    last_seen_at timestamptz NOT NULL,
    -- The absolute lifetime: the session ends here however busy it is.
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    revoked_why  text,
    user_agent   text NOT NULL DEFAULT '',
    address      text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_open_by_user_idx ON sessions (username) WHERE revoked_at IS NULL;
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Failed sign-in attempts, counted per user name and per client address over a sliding
-- window. In the database (not in process memory) so the limit holds across web processes.
-- User names are stored whether or not such a user exists, so the limit says nothing about
-- which names are real.
CREATE TABLE sign_in_failures (
    id        bigserial PRIMARY KEY,
    username  text NOT NULL,
    address   text NOT NULL,
    failed_at timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_username_idx ON sign_in_failures (username, failed_at);
CREATE INDEX sign_in_failures_address_idx ON sign_in_failures (address, failed_at);
CREATE INDEX sign_in_failures_failed_at_idx ON sign_in_failures (failed_at);
