"""tombstones of deleted mail, and forgotten clients

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10 00:00:00.000000

``tombstones`` records each message deleted by retention or ``forget`` (its location, raw
sha256 and hashed Message-ID) so that the sync never stores it again; ``forgotten_clients``
holds the clients whose new mail is not stored until ``forget --undo``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tombstones",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account", sa.String(length=200), nullable=False),
        sa.Column("folder", sa.String(length=500), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("message_id_sha256", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("client", sa.String(length=200), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "account", "folder", "uidvalidity", "uid", name="uq_tombstones_location"
        ),
    )
    op.create_index(
        "ix_tombstones_hash", "tombstones", ["account", "folder", "raw_sha256"], unique=False
    )
    op.create_index(
        "ix_tombstones_message_id",
        "tombstones",
        ["account", "folder", "message_id_sha256"],
        unique=False,
    )
    op.create_table(
        "forgotten_clients",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("addresses", sa.Text(), nullable=False),
        sa.Column("forgotten_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("forgotten_clients")
    op.drop_index("ix_tombstones_message_id", table_name="tombstones")
    op.drop_index("ix_tombstones_hash", table_name="tombstones")
    op.drop_table("tombstones")
