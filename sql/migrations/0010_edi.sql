-- B2B intake. Every EDI file read is recorded once by its SHA-256 (the same file dropped twice
-- is stored once), with its partner and outcome; the webhook inbox keeps raw pushed events
-- durably until the collector process maps them; acknowledgements take their control numbers
-- from a sequence so two collector processes never send the same one.
CREATE TABLE edi_files (
    file_id bigserial PRIMARY KEY,
    sha256 text NOT NULL UNIQUE,
    name text NOT NULL,
    partner_id text,
    standard text NOT NULL DEFAULT '',
    via text NOT NULL CHECK (via IN ('inbox', 'cli', 'upload', 'replay')),
    outcome text NOT NULL CHECK (outcome IN ('accepted', 'partial', 'rejected')),
    interchanges integer NOT NULL DEFAULT 0,
    transactions integer NOT NULL DEFAULT 0,
    accepted integer NOT NULL DEFAULT 0,
    rejected integer NOT NULL DEFAULT 0,
    milestones integer NOT NULL DEFAULT 0,
    segments integer NOT NULL DEFAULT 0,
    reason text,
    received_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    times_seen integer NOT NULL DEFAULT 1
);
CREATE INDEX edi_files_partner_idx ON edi_files (partner_id, received_at);

CREATE TABLE webhook_inbox (
    inbox_id bigserial PRIMARY KEY,
    provider text NOT NULL,
    event_id text NOT NULL,
    received_at timestamptz NOT NULL,
    body text NOT NULL,
    status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'done', 'dead')),
    processed_at timestamptz,
    error text,
    UNIQUE (provider, event_id)
);
CREATE INDEX webhook_inbox_new_idx ON webhook_inbox (inbox_id) WHERE status = 'new';

CREATE SEQUENCE edi_ack_control_seq START WITH 1000 MAXVALUE 999999999 CYCLE;
