"""Each customer's lifetime sales, kept by the rollup triggers; rollup upkeep in memory.

- customer_lifetime: per customer, the sales and number of all their non-cancelled lines
  (returns included), whatever the date. With customer_activity (the days they bought on,
  so their first and last purchase) it is the "whole history" of kpis.md, which the customers
  page used to rebuild from every fact on each query. Additive, so kept by a plain upsert of
  the same signed delta the other rollups use.
- The delta's hash tables spilled to disk at the server's work_mem (a 200k-line import groups
  ~125k orders x cells); the 0007 apply (now rollup_apply_grains) gets its own, larger
  work_mem, for its statements only. The lifetime upsert before it runs at the server's.

How: the 0007 apply function is renamed rollup_apply_grains and a new rollup_apply calls it
after the lifetime upsert. The triggers call rollup_apply() by name, so they need no change.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The signed delta's sales and lines per customer (later migrations keep it in rollup_apply).
LIFETIME_UPSERT = """
    INSERT INTO customer_lifetime AS t (customer_key, sales, lines)
    SELECT customer_key, sum(sign * net_amount), sum(sign)
    FROM rollup_delta WHERE customer_key IS NOT NULL
    GROUP BY customer_key
    ON CONFLICT (customer_key) DO UPDATE SET sales = t.sales + EXCLUDED.sales, lines = t.lines + EXCLUDED.lines;
    DELETE FROM customer_lifetime WHERE lines = 0;
"""

UPGRADE = f"""
CREATE TABLE customer_lifetime (
    customer_key bigint PRIMARY KEY,
    sales        numeric NOT NULL,
    lines        bigint NOT NULL
);
CREATE INDEX customer_lifetime_empty ON customer_lifetime (customer_key) WHERE lines = 0;

ALTER FUNCTION rollup_apply() RENAME TO rollup_apply_grains;
ALTER FUNCTION rollup_apply_grains() SET work_mem = '128MB';

CREATE FUNCTION rollup_apply() RETURNS void LANGUAGE plpgsql AS $$
BEGIN{LIFETIME_UPSERT}    PERFORM rollup_apply_grains();  -- empties the delta
END $$;

CREATE OR REPLACE FUNCTION rollup_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE rollup_category, rollup_product, rollup_orders, customer_activity, customer_activity_detail,
             customer_lifetime;
    RETURN NULL;
END $$;

INSERT INTO customer_lifetime (customer_key, sales, lines)
SELECT o.customer_key, sum(l.net_amount), count(*)
FROM order_lines l JOIN orders o ON o.order_key = l.order_key
WHERE o.status <> 'cancelled' AND o.customer_key IS NOT NULL
GROUP BY o.customer_key;
"""

DOWNGRADE = """
DROP FUNCTION rollup_apply();
ALTER FUNCTION rollup_apply_grains() RESET work_mem;
ALTER FUNCTION rollup_apply_grains() RENAME TO rollup_apply;
CREATE OR REPLACE FUNCTION rollup_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE rollup_category, rollup_product, rollup_orders, customer_activity, customer_activity_detail;
    RETURN NULL;
END $$;
DROP TABLE customer_lifetime;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
