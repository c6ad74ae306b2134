"""indexes for the report and retention queries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 00:30:00.000000

``ix_messages_date`` (date_utc, id) lets the report load one date range in the order it
needs (no scan of the whole table, no sort) and finds the newest message at once;
``ix_score_history_day`` finds yesterday's saved scores without reading every day's.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_date", "messages", ["date_utc", "id"], unique=False)
    op.create_index("ix_score_history_day", "score_history", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_score_history_day", table_name="score_history")
    op.drop_index("ix_messages_date", table_name="messages")
