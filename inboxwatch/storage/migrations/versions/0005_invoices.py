"""invoices: the ledger CSV's invoices, for the late_payment sign

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 20:00:00.000000

One row per invoice number and configured client, as `inboxwatch invoices import` read it
from a ledger CSV: issue, due and paid dates, amount and currency. No mail text.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("client", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("number_key", sa.String(length=100), nullable=False),
        sa.Column("issued", sa.Date(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("paid", sa.Date(), nullable=True),
        sa.Column("payment_tracked", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client", "number_key", name="uq_invoices_client_number"),
    )


def downgrade() -> None:
    op.drop_table("invoices")
