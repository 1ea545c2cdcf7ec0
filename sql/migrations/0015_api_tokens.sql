-- API tokens for people and services (tower tokens create / the /tokens admin page).
-- Only the sha256 of the secret is stored: the token itself is shown once, when it is made.
-- A token acts as its user: it never has more than the user's role and warehouse scope, and
-- a user who is deactivated takes their tokens with them.
CREATE TABLE api_tokens (
    token_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username     text NOT NULL REFERENCES users(username),
    label        text NOT NULL DEFAULT '',
    scopes       text[] NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    created_by   text NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    revoked_by   text,
    last_used_at timestamptz,
    CONSTRAINT api_tokens_scopes_known CHECK (scopes <@ ARRAY['orders:read', 'exceptions:read', 'exceptions:act',
        'milestones:write', 'kpis:read', 'integrations:read', 'admin']::text[]),
    CONSTRAINT api_tokens_hash_shape CHECK (token_hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX api_tokens_by_user ON api_tokens (username);
