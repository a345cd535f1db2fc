"""Accounts and failed logins.

users.segments/regions are row-level limits (empty = no limit on that dimension).
session_epoch is part of every session id, so changing a password signs out old sessions.
login_failures is shared by every worker and host, so rate limits hold behind a load balancer.
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE users (
            user_id        serial PRIMARY KEY,
            email          text NOT NULL,
            password_hash  text NOT NULL,
            role           text NOT NULL CHECK (role IN ('admin', 'viewer')),
            segments       text[] NOT NULL DEFAULT '{}',
            regions        text[] NOT NULL DEFAULT '{}',
            session_epoch  integer NOT NULL DEFAULT 1,
            created_at     timestamptz NOT NULL DEFAULT now(),
            last_login_at  timestamptz
        );
        CREATE UNIQUE INDEX users_email_idx ON users (lower(email));
        CREATE TABLE login_failures (
            email    text NOT NULL,
            address  text NOT NULL,
            at       timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX login_failures_email_idx ON login_failures (lower(email), at);
        CREATE INDEX login_failures_address_idx ON login_failures (address, at);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE users, login_failures;")
