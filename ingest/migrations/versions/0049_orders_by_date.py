"""The orders by day and key: the first and last order of a day are two probes of an index.

Also-bought reads a range's ragged ends from the lines within the ends' first and last order
keys (data_access.products._order_key_bounds, migration 0048). Orders had only a BRIN index on
their date, so finding those keys read every order of the days' block ranges: at 10M lines,
nine days ~8-17 ms of an answer of ~40-120 ms. With this index each day's first and last key is
one probe (~1 ms for the nine days). The facts' ragged days under a store filter read the days'
orders through it too (at 10M lines, the products ranking for a year of two stores in a region
~37 -> ~24 ms).
"""

from alembic import op

revision = "0049"
down_revision = "0048"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX orders_date_key ON orders (order_date, order_key)")


def downgrade() -> None:
    op.execute("DROP INDEX orders_date_key")
