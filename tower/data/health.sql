-- name: server
SELECT current_setting('server_version') AS server_version,
       current_database() AS database,
       now() AS server_time;

-- name: migrations
SELECT version, name, applied_at
FROM schema_migrations
ORDER BY version;

-- name: tables
-- The planner's row estimate per table (reltuples is -1 for a table never analysed).
SELECT n.nspname AS schema_name, c.relname AS table_name, c.reltuples::bigint AS estimate
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname = current_schema()
  AND NOT c.relispartition
ORDER BY c.relname;
