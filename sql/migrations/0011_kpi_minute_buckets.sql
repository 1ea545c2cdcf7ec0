-- Duration percentiles now keep minute buckets in kpi_daily (they kept whole hours): mark every
-- order for the KPI job, which recomputes its facts and rebuilds every day they fall on. Also
-- brings in the new late-delivery measure and the out-of-order exclusions for existing orders.
INSERT INTO kpi_dirty (subject_type, subject_id)
SELECT 'order', order_id FROM orders;
