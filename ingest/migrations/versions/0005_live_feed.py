"""Live feed bookkeeping: which events were stored (idempotency) and each order's latest event.

live_events makes a redelivered message a no-op; live_orders keeps an older message, claimed
late from a dead consumer, from overwriting a newer version of the same order.
data_state.as_of is "data as of" (kpis.md): the time of the latest file load or, for the live
feed, of the newest event stored.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE live_events (
            event_id     text PRIMARY KEY,
            source       text NOT NULL,
            order_id     text NOT NULL,
            entry_id     text NOT NULL,
            stored_at    timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE live_orders (
            source       text NOT NULL,
            order_id     text NOT NULL,
            entry_ms     bigint NOT NULL,
            entry_seq    bigint NOT NULL,
            PRIMARY KEY (source, order_id)
        );
        ALTER TABLE data_state ADD COLUMN as_of timestamptz;
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE live_events, live_orders; ALTER TABLE data_state DROP COLUMN as_of;")
