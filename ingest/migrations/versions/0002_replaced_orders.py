"""Keep the orders an import replaced, so undoing that import can put them back exactly."""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE replaced_orders (
    replaced_by   bigint NOT NULL,
    order_key     bigint NOT NULL,
    source        text NOT NULL,
    order_id      text NOT NULL,
    customer_key  bigint,
    store_key     integer,
    order_date    date NOT NULL,
    ordered_at    timestamptz,
    status        text NOT NULL,
    import_id     bigint
);
CREATE INDEX replaced_orders_by_idx ON replaced_orders (replaced_by);
CREATE INDEX replaced_orders_import_idx ON replaced_orders (import_id);

CREATE TABLE replaced_order_lines (
    replaced_by   bigint NOT NULL,
    order_key     bigint NOT NULL,
    line_no       integer NOT NULL,
    product_key   integer NOT NULL,
    quantity      numeric(14, 3) NOT NULL,
    unit_price    numeric(14, 4) NOT NULL,
    discount      numeric(7, 6) NOT NULL,
    net_amount    numeric(16, 4) NOT NULL,
    profit        numeric(16, 4) NOT NULL
);
CREATE INDEX replaced_order_lines_by_idx ON replaced_order_lines (replaced_by);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute("DROP TABLE replaced_order_lines, replaced_orders")
