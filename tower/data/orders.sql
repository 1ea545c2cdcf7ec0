-- name: search
-- What a customer quotes, as they type: an exact key (order number, PO, tracking or invoice
-- number, through `identifiers`), a key that starts with the text, or a customer name that
-- contains it or resembles it (pg_trgm word similarity, so "acme suply" finds "Acme Supply").
-- Names are matched among the DISTINCT customer names (a loose index scan over
-- orders_customer_name_placed_idx), never over every order: a big customer has thousands.
-- Text that is exactly a key (an order number, PO, tracking or invoice number someone quotes)
-- means that order: names are then not looked at, which spares the walk over every distinct
-- name (most of an order lookup's time at 100k orders). The walk's anchor is what stops: CTEs
-- are read lazily, so an empty anchor ends it before its first step.
WITH RECURSIVE exact AS (
    SELECT i.order_id, i.kind, i.value
    FROM identifiers i
    JOIN orders o ON o.order_id = i.order_id
    WHERE i.value IN (:exact, :exact_upper) AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))
), names AS (
    (SELECT customer_name AS name FROM orders
     WHERE :names AND customer_name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM exact)
     ORDER BY customer_name LIMIT 1)
    UNION ALL
    SELECT (SELECT o.customer_name FROM orders o WHERE o.customer_name > n.name
            ORDER BY o.customer_name LIMIT 1)
    FROM names n WHERE n.name IS NOT NULL
), best_names AS (
    SELECT name, word_similarity(:exact, name)::float8 AS score
    FROM names
    WHERE name IS NOT NULL AND (name ILIKE :contains OR word_similarity(:exact, name) >= :threshold)
    ORDER BY score DESC, name
    LIMIT 5
), hits AS (
    SELECT order_id, 1 AS rank, kind AS key_kind, value AS key_value, 1.0::float8 AS score
    FROM exact
    UNION ALL
    (SELECT i.order_id, 2, i.kind, i.value, 0.9::float8
     FROM identifiers i
     JOIN orders o ON o.order_id = i.order_id
     WHERE (i.value LIKE :prefix OR i.value LIKE :prefix_upper)
       AND i.value NOT IN (:exact, :exact_upper)
       AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))
     ORDER BY i.value
     LIMIT :limit)
    UNION ALL
    SELECT o.order_id, 3, 'customer_name', b.name, b.score
    FROM best_names b
    CROSS JOIN LATERAL (
        SELECT order_id FROM orders o
        WHERE o.customer_name = b.name AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))
        ORDER BY o.placed_at DESC
        LIMIT :limit
    ) o
), best AS (
    SELECT DISTINCT ON (order_id) order_id, rank, key_kind, key_value, score
    FROM hits
    ORDER BY order_id, rank, score DESC
)
SELECT b.order_id, b.rank, b.key_kind, b.key_value, b.score,
       o.customer_name, o.customer_po, o.warehouse, o.stage, o.status, o.sla_state,
       o.waiting_on, o.placed_at, o.promised_at, o.value, o.currency
FROM best b
JOIN orders o ON o.order_id = b.order_id
ORDER BY b.rank, b.score DESC, o.placed_at DESC NULLS LAST, b.order_id
LIMIT :limit;

-- name: suggest_keys
-- For a key that matches nothing: identifiers sharing the longest prefix with the text, all
-- prefixes (longest first, :prefixes) tried in one statement; the caller keeps the rows of
-- the first prefix that found any.
SELECT p.n, k.value, k.order_id, k.kind
FROM unnest(CAST(:prefixes AS text[])) WITH ORDINALITY AS p (prefix, n)
CROSS JOIN LATERAL (
    SELECT i.value, i.order_id, i.kind
    FROM identifiers i
    JOIN orders o ON o.order_id = i.order_id
    WHERE i.value LIKE p.prefix AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))
    ORDER BY i.value
    LIMIT :limit
) k
ORDER BY p.n, k.value;

-- name: suggest_customers
WITH RECURSIVE names AS (
    (SELECT customer_name AS name FROM orders WHERE :names AND customer_name IS NOT NULL ORDER BY customer_name LIMIT 1)
    UNION ALL
    SELECT (SELECT o.customer_name FROM orders o WHERE o.customer_name > n.name
            ORDER BY o.customer_name LIMIT 1)
    FROM names n WHERE n.name IS NOT NULL
), best AS (
    SELECT name, word_similarity(:q, name) AS score
    FROM names
    WHERE name IS NOT NULL AND (word_similarity(:q, name) >= :threshold OR name ILIKE :contains)
    ORDER BY score DESC, name
    LIMIT :limit
)
SELECT b.name AS customer_name,
       (SELECT count(*) FROM orders o WHERE o.customer_name = b.name AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))) AS orders, b.score
FROM best b
WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_name = b.name AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses)))
ORDER BY b.score DESC, b.name;
