-- The SLA-miss risk model (tower/risk): its versions, the score of every open order, the flags
-- it raised under the policy's decision rights, and the audit trail of what was done with them.

-- One row per trained model. `params` is the whole model (a standardised logistic regression:
-- feature means, scales, coefficients, intercept) as plain JSON, so any process can score with
-- it and nothing executable is ever read back from the database. At most one model of a kind is
-- in service; a candidate that backtests worse than the one in service is kept as 'rejected'.
CREATE TABLE risk_models (
    version       text PRIMARY KEY,
    kind          text NOT NULL DEFAULT 'sla_miss_risk',
    trained_at    timestamptz NOT NULL,
    window_from   timestamptz NOT NULL,
    window_to     timestamptz NOT NULL,
    split_at      timestamptz NOT NULL,
    features      jsonb NOT NULL,
    params        jsonb NOT NULL,
    backtest      jsonb NOT NULL,
    status        text NOT NULL CHECK (status IN ('candidate', 'in_service', 'retired', 'rejected')),
    status_reason text,
    promoted_at   timestamptz
);
CREATE UNIQUE INDEX risk_models_one_in_service ON risk_models (kind) WHERE status = 'in_service';

-- The latest prediction per open order, with the model version that made it and its reasons
-- ([{"feature", "cause", "text", "weight"}], strongest first).
CREATE TABLE risk_scores (
    order_id      text PRIMARY KEY,
    model_version text NOT NULL REFERENCES risk_models (version),
    scored_at     timestamptz NOT NULL,
    score         real NOT NULL,
    reasons       jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX risk_scores_score_idx ON risk_scores (score DESC);

-- A flag: the model's score crossed the operating threshold; `decision` is what the policy's
-- decision rights allowed for its band (recommend: shown only; act: an early-warning exception
-- was raised; escalate: a person must decide), naming the rule that allowed it.
CREATE TABLE risk_flags (
    flag_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id       text NOT NULL,
    kind           text NOT NULL,
    model_version  text NOT NULL REFERENCES risk_models (version),
    score          real NOT NULL,
    threshold      real NOT NULL,
    band           text NOT NULL,
    decision       text NOT NULL CHECK (decision IN ('recommend', 'act', 'escalate')),
    policy_rule    text NOT NULL,
    policy_version text NOT NULL,
    reasons        jsonb NOT NULL DEFAULT '[]'::jsonb,
    raised_at      timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'accepted', 'dismissed', 'expired')),
    exception_id   bigint,
    team_id        text,
    reviewed_by    text,
    reviewed_at    timestamptz,
    review_reason  text,
    review_comment text
);
CREATE UNIQUE INDEX risk_flags_one_open ON risk_flags (order_id, kind) WHERE status = 'open';
CREATE INDEX risk_flags_status_idx ON risk_flags (status, raised_at DESC);
CREATE INDEX risk_flags_model_idx ON risk_flags (model_version, status);
CREATE INDEX risk_flags_order_idx ON risk_flags (order_id, raised_at DESC);

-- Every change to a flag, by the model or by a person: who, when, what, why, and the model
-- version, score, threshold and policy rule behind it (the exception_events of flags).
CREATE TABLE risk_flag_events (
    event_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flag_id        bigint NOT NULL REFERENCES risk_flags (flag_id),
    at             timestamptz NOT NULL,
    actor          text NOT NULL,
    action         text NOT NULL,
    reason         text,
    comment        text,
    detail         jsonb NOT NULL DEFAULT '{}'::jsonb,
    model_version  text NOT NULL,
    policy_version text
);
CREATE INDEX risk_flag_events_flag_idx ON risk_flag_events (flag_id, at);
