-- name: upsert_version
INSERT INTO policy_versions (version, loaded_at, source_text)
VALUES (:version, :now, :text)
ON CONFLICT (version) DO NOTHING;

-- name: upsert_team
INSERT INTO teams (team_id, name, lead_name, manager_name, email)
VALUES (:id, :name, :lead, :manager, :email)
ON CONFLICT (team_id) DO UPDATE SET name = excluded.name, lead_name = excluded.lead_name,
    manager_name = excluded.manager_name, email = coalesce(excluded.email, teams.email);

-- name: has_version
SELECT 1 FROM policy_versions WHERE version = :version;
