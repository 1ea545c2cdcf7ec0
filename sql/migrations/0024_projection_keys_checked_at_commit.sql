-- The projections of an order's lines, shipments, invoices, payments and returns point at the
-- order; their foreign keys are now checked at commit instead of after each statement. Ingest
-- writes the order row once per batch, header and state together, after the lines and invoices
-- that its state (stage, value, status) is computed from: with the check after each statement
-- the order had to be written first for its header and again for its state, two row versions
-- (and two change-feed and two KPI marks) per order per batch. Every projection statement still
-- runs in the one transaction that writes the order, so the keys hold at every commit.
ALTER TABLE order_lines ALTER CONSTRAINT order_lines_order_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE shipments ALTER CONSTRAINT shipments_order_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE invoices ALTER CONSTRAINT invoices_order_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE payments ALTER CONSTRAINT payments_order_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE returns ALTER CONSTRAINT returns_order_id_fkey DEFERRABLE INITIALLY DEFERRED;
