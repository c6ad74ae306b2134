"""messages.attachment_names: the file names of a message's attachments

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 21:00:00.000000

The names only, one per line (at most 20, each cut at 200 characters), so that an invoice
sent as a PDF named like one ("Szamla_2026-0112.pdf") is recognised by the late_payment
sign. Never the attachment's content. Messages stored before this revision have none.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("attachment_names", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("attachment_names")
