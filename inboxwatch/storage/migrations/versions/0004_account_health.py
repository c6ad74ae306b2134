"""account_health: per-account sync outcomes for `health` and `metrics`

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 18:00:00.000000

One row per IMAP account: when its last sync succeeded and failed (with the error), how
many logins the server rejected, and how many messages its syncs stored.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_health",
        sa.Column("account", sa.String(length=200), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("login_failures", sa.BigInteger(), nullable=False),
        sa.Column("messages_ingested", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account"),
    )


def downgrade() -> None:
    op.drop_table("account_health")
