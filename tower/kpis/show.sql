-- `tower kpis show`: the span of days that hold KPI data (the default period).

-- name: span
SELECT min(day) AS first, max(day) AS last FROM kpi_daily WHERE region = '*' AND warehouse = '*' AND channel = '*'
