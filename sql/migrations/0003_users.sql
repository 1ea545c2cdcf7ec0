-- People who sign in to the web app. Passwords are stored only as werkzeug hashes
-- (scrypt/pbkdf2 with a per-password salt); the plain password never reaches the database.
CREATE TABLE users (
    username      text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
    display_name  text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('cs', 'supervisor', 'finance', 'executive', 'admin')),
    -- A supervisor may be scoped to some warehouses (codes like 'DAL-1'); NULL = all of them.
    warehouses    text[],
    -- The viewer's zone for times that have no warehouse of their own (IANA name).
    time_zone     text NOT NULL DEFAULT 'UTC',
    active        boolean NOT NULL DEFAULT true,
    is_demo       boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz
);

-- The order search box matches what a customer quotes (order number, PO, tracking or invoice
-- number) as they type: prefix matches need an index that LIKE 'abc%' can use whatever the
-- database's collation is.
CREATE INDEX identifiers_value_prefix_idx ON identifiers (value text_pattern_ops);

-- Customer names for the same search box: distinct names are read by a loose index scan
-- (a few thousand customers, however many orders), and a customer's newest orders come
-- straight from the index.
CREATE INDEX orders_customer_name_placed_idx ON orders (customer_name, placed_at DESC);
