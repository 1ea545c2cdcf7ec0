-- Model versions (risk_models): save, find the one in service, promote.

-- name: save
INSERT INTO risk_models (version, kind, trained_at, window_from, window_to, split_at, features,
                         params, backtest, status, status_reason)
VALUES (:version, :kind, :trained_at, :window_from, :window_to, :split_at, CAST(:features AS jsonb),
        CAST(:params AS jsonb), CAST(:backtest AS jsonb), :status, :status_reason);

-- name: in_service
SELECT version, trained_at, params, backtest FROM risk_models
WHERE kind = :kind AND status = 'in_service';

-- name: retire
UPDATE risk_models SET status = 'retired', status_reason = :reason
WHERE kind = :kind AND status = 'in_service';

-- name: promote
UPDATE risk_models SET status = 'in_service', promoted_at = :now WHERE version = :version;

-- name: last_trained
SELECT max(trained_at) FROM risk_models WHERE kind = :kind;

-- name: version_taken
SELECT 1 FROM risk_models WHERE version = :version;
