-- The order page lists the integration incidents an order is caught in: look them up by order.
CREATE INDEX incident_orders_order_idx ON incident_orders (order_id);
