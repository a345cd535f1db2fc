"""The order lines by product and order: also-bought finds the orders that bought a product.

Also-bought reads a range's ragged ends from the lines (data_access.products): the orders of
those days that bought the product X, then their other lines. Without an index that leads with
the product, the planner looked each order of the days up in the primary key (at 10M lines,
nine days: ~30k orders for ~3.3k that bought X, ~58 ms). With this index and the days' order
keys (orders are keyed as they arrive, so a few days' keys lie close together) it reads X's
lines of those days as one range of it: ~16 ms, most of it finding the keys.

Migration 0004 dropped a b-tree on the lines' product when loading 200k lines took ~2.7 s and
it cost 0.4 s of them; loading now takes ~40 s, most of it the rollups' upkeep.
"""

from alembic import op

revision = "0048"
down_revision = "0047"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX order_lines_product ON order_lines (product_key, order_key)")


def downgrade() -> None:
    op.execute("DROP INDEX order_lines_product")
