-- name: get
SELECT username, display_name, password_hash, role, warehouses, time_zone, active
FROM users
WHERE username = :username;

-- name: insert
INSERT INTO users (username, display_name, password_hash, role, warehouses, time_zone, is_demo)
VALUES (:username, :display_name, :password_hash, :role, :warehouses, :time_zone, :is_demo)
ON CONFLICT (username) DO NOTHING
RETURNING username;

-- name: upsert
INSERT INTO users (username, display_name, password_hash, role, warehouses, time_zone, is_demo)
VALUES (:username, :display_name, :password_hash, :role, :warehouses, :time_zone, :is_demo)
ON CONFLICT (username) DO UPDATE
SET display_name = EXCLUDED.display_name, password_hash = EXCLUDED.password_hash,
    role = EXCLUDED.role, warehouses = EXCLUDED.warehouses, time_zone = EXCLUDED.time_zone,
    active = true
RETURNING username;

-- name: touch_login
UPDATE users SET last_login_at = :at WHERE username = :username;

-- name: list_all
SELECT username, display_name, role, warehouses, time_zone, active, is_demo, created_at, last_login_at
FROM users
ORDER BY role, username;

-- name: set_password
UPDATE users SET password_hash = :password_hash WHERE username = :username
RETURNING username;

-- name: set_active
UPDATE users SET active = :active WHERE username = :username
RETURNING username;
