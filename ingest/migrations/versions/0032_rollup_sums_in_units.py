"""The rollup upkeep adds money and quantities as bigint units, and looks for emptied customer
totals only when lines went away.

Where an import's time went (200k demo lines into an empty database, auto_explain): the
upserts grouped the delta's lines per order and cell with sum() over numeric columns. A numeric
sum keeps a palloc'd state per group (~1 kB: the first grouping of rollup_product_totals held
200 MB for 197k groups, above the function's work_mem, and spilled) and adds in numeric
arithmetic. That grouping measured 1.55 s as numeric and 0.55-0.65 s in units, where a line's
net amount and profit are whole ten-thousandths (numeric(16,4)) and its quantity whole
thousandths (numeric(14,3)), so `(net_amount * 10000)::bigint` is exact, bigint_sum (0025) adds
with int8pl and refuses to overflow, and `* 0.0001` gives back the numeric at the scale sum()
gave (4 and 3). Every rollup keeps its columns and its values; only how the upkeep adds changes.

The customer totals (customer_period_totals, 0018) dropped the keys the delta touched that no
customer_periods row holds any more, for every delta; such a row can only go when lines go (a
delta row of sign -1), as the category totals (0023) already test. ~0.8 s of an import's 38 s.
"""

from alembic import op

from ingest.migrations.earlier import migration, replace_once

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

CATEGORY_COHORTS = migration("0027_rollup_category_cohorts")  # rollup_apply as it is
ROWS_APART = migration("0020_day_and_month_rows_apart")  # rollup_apply_grains as it is
APPLY = CATEGORY_COHORTS.UPSERTS
GRAINS = ROWS_APART._in_key_order(ROWS_APART.GRAINS)


def units(column: str) -> str:
    """A delta line's measure as a whole number of units (rollups.UNITS)."""
    return f"({column} * {'1000' if column == 'quantity' else '10000'})::bigint"


SALES, PROFIT, QUANTITY = units("net_amount"), units("profit"), units("quantity")
PER_ORDER = "sum(net_amount) AS sales, sum(profit) AS profit,{space}sum(quantity) AS quantity"
PER_ORDER_IN_UNITS = (
    f"bigint_sum({SALES}) AS sales, bigint_sum({PROFIT}) AS profit,{{space}}bigint_sum({QUANTITY}) AS quantity"
)
CELL = "sum({x}sign * {x}sales), sum({x}sign * {x}profit),{space}sum({x}sign * {x}quantity)"
CELL_IN_UNITS = (
    "bigint_sum({x}sign * {x}sales) * 0.0001, bigint_sum({x}sign * {x}profit) * 0.0001,"
    "{space}bigint_sum({x}sign * {x}quantity) * 0.001"
)
NEW_LINE = "\n               "

# (old, new, how often in rollup_apply, how often in rollup_apply_grains)
EDITS = [
    # Each order's lines per cell, then the cells (rollup_category, _product, _subcategory,
    # _product_totals, _product_stores, customer_category_periods).
    (PER_ORDER.format(space=" "), PER_ORDER_IN_UNITS.format(space=" "), 4, 2),
    (CELL.format(x="x.", space=" "), CELL_IN_UNITS.format(x="x.", space=" "), 5, 2),
    (
        "sum(x.sign * x.bought::int), sum(x.sign * x.lines)",
        "bigint_sum(x.sign * x.bought::int), bigint_sum(x.sign * x.lines)",
        4,
        2,
    ),
    # customer_orders and customer_periods, from one pass per order.
    (PER_ORDER.format(space=NEW_LINE), PER_ORDER_IN_UNITS.format(space=NEW_LINE), 1, 0),
    (
        CELL.format(x="", space=NEW_LINE) + ", sum(sign * lines), sum(sign * bought_lines)",
        CELL_IN_UNITS.format(x="", space=NEW_LINE) + ", bigint_sum(sign * lines), bigint_sum(sign * bought_lines)",
        1,
        0,
    ),
    (
        "SELECT customer_key, sum(sign * net_amount), sum(sign)",
        f"SELECT customer_key, bigint_sum(sign * {SALES}) * 0.0001, sum(sign)",
        1,
        0,
    ),
    # customer_order_categories, kept in units already.
    (
        "(sum(sign * net_amount) * 10000)::bigint,\n"
        "           (sum(sign * profit) * 10000)::bigint, (sum(sign * quantity) * 1000)::bigint",
        f"bigint_sum(sign * {SALES}),\n           bigint_sum(sign * {PROFIT}), bigint_sum(sign * {QUANTITY})",
        1,
        0,
    ),
    (
        "    WHERE d.customer_key IS NOT NULL)\n      AND NOT EXISTS (SELECT 1 FROM customer_periods p",
        "    WHERE d.customer_key IS NOT NULL AND d.sign < 0)\n      AND NOT EXISTS (SELECT 1 FROM customer_periods p",
        1,
        0,
    ),
]


def in_units(sql: str, function: int) -> str:
    """rollup_apply's (function 0) or rollup_apply_grains' (1) SQL with EDITS made."""
    for old, new, *times in EDITS:
        if times[function]:
            sql = replace_once(sql, old, new, times[function])
    return sql


def upgrade() -> None:
    CATEGORY_COHORTS.LATEST.PAIRS._install(in_units(APPLY, 0), CATEGORY_COHORTS.ROLLUPS)
    op.execute(in_units(GRAINS, 1))


def downgrade() -> None:
    CATEGORY_COHORTS.LATEST.PAIRS._install(APPLY, CATEGORY_COHORTS.ROLLUPS)
    op.execute(GRAINS)
