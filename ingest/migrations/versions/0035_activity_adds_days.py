"""The activity rows per customer, per customer and category and per customer and store take
the delta's days added, as the detail rows do; only customers who lost purchases are rebuilt
from their detail rows.

Why: 0007 re-aggregated customer_activity from all detail rows of every customer the delta
touched, and 0013 deleted and re-inserted all category and store rows of those customers. An
import into a shop with history touches customers who bought before: at 10M lines, three days
of orders (42k lines, 10.8k customers, warm) spent 1.9 s on customer_activity and 2.3 + 1.8 s
on the category and store rows, reading and rewriting each customer's whole history.

A customer who only gained purchases (no delta row of sign -1 with a quantity, 0007's LOSERS)
keeps every day they had, so each of their rows becomes the old days plus the delta's days on
it: the same union the detail rows already take. Their segment and region are the delta's,
which are the customer's (a change of either arrives as lines taken away and put back, so
makes the customer a loser). Losers are rebuilt from their detail rows as before. The added
rows go in key order, as 0016-0019 write theirs.

Measured (auto_explain, same hour): the four activity statements of that import 4.7 -> 3.0 s
(customer_activity 1.1 -> 0.6 s); the import 11.3-11.8 -> 9.9-11.0 s, alternating. The price:
an import into an empty database groups the delta's lines (200k) where it grouped the new
detail rows (~70k), ~0.3 s more of a 17 s upkeep. Taking new customers from their detail rows
would need a probe of each table per delta row, and the shop with history is the common case.
"""

from alembic import op

from ingest.migrations.earlier import migration, replace_once

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

IN_UNITS = migration("0032_rollup_sums_in_units")
ACTIVITY = IN_UNITS.ROWS_APART.ACTIVITY  # 0013: the category and store rows
GRAINS = IN_UNITS.in_units(IN_UNITS.GRAINS, 1)  # rollup_apply_grains as it is

LOSERS = ACTIVITY.GRAINS.LOSERS  # 0007's
# The delta's purchase days of the customers who only gained some.
GAINED = f"""rollup_delta d
    WHERE d.sign > 0 AND d.quantity > 0 AND d.customer_key IS NOT NULL
      AND d.customer_key NOT IN ({LOSERS})"""


def _upkeep(table: str, column: str | None) -> str:
    """The statements that keep `table` (one row per customer, or per customer and `column`):
    the losers' rows again from their detail rows, the gainers' days added."""
    key = f"customer_key, {column}" if column else "customer_key"
    statements = "" if column is None else f"\n    DELETE FROM {table} WHERE customer_key IN ({LOSERS});"
    return (
        statements
        + f"""
    INSERT INTO {table} ({key}, segment, region, active)
    SELECT {key}, min(segment), min(region), range_agg(active)
    FROM customer_activity_detail
    WHERE customer_key IN ({LOSERS})
    GROUP BY {key};
    INSERT INTO {table} AS a ({key}, segment, region, active)
    SELECT {", ".join(f"d.{k}" for k in key.split(", "))}, min(d.segment), min(d.region),
           range_agg(daterange(d.day, d.day, '[]'))
    FROM {GAINED}
    GROUP BY {key}
    ORDER BY {key}
    ON CONFLICT ({key}) DO UPDATE SET
        active = a.active + EXCLUDED.active, segment = EXCLUDED.segment, region = EXCLUDED.region;
"""
    )


# 0007's customer_activity upsert (its losers' rows were deleted before), then 0013's rebuild.
CUSTOMER_ACTIVITY = """
    INSERT INTO customer_activity AS a (customer_key, segment, region, active)
    SELECT d.customer_key, min(d.segment), min(d.region), range_agg(d.active)
    FROM customer_activity_detail d
    WHERE d.customer_key IN (SELECT customer_key FROM rollup_delta WHERE quantity > 0)
    GROUP BY d.customer_key
    ON CONFLICT (customer_key) DO UPDATE SET
        active = EXCLUDED.active, segment = EXCLUDED.segment, region = EXCLUDED.region;
"""
UPSERTS = replace_once(GRAINS, CUSTOMER_ACTIVITY, _upkeep("customer_activity", None))
UPSERTS = replace_once(
    UPSERTS,
    ACTIVITY._rebuild(ACTIVITY.TOUCHED),
    _upkeep("customer_activity_category", "category") + _upkeep("customer_activity_store", "store_key"),
)


def upgrade() -> None:
    op.execute(UPSERTS)


def downgrade() -> None:
    op.execute(GRAINS)
