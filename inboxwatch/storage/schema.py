"""The database schema (SQLAlchemy Core), shared by the store and the Alembic migrations.

Timestamps are stored as naive UTC ``DateTime`` values so SQLite and PostgreSQL agree.
A message is identified by ``(account, folder, uidvalidity, uid)`` (see docs/SYNC.md); messages
imported from an export use ``account = "import"``, the export's name as folder,
``uidvalidity = 0`` and a UID derived from the content hash, so re-importing adds nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql, sqlite

metadata = MetaData()

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
Id = BigInteger().with_variant(Integer(), "sqlite")

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account", String(200), nullable=False),
    Column("folder", String(500), nullable=False),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("uid", BigInteger, nullable=False),
    Column("raw_sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("message_id", String(998)),
    Column("in_reply_to", String(998)),
    Column("references", Text),
    Column("subject", Text, nullable=False, default=""),
    Column("from_addr", String(320), nullable=False, default=""),
    Column("from_name", Text, nullable=False, default=""),
    Column("to_addrs", Text, nullable=False, default=""),
    Column("date_utc", DateTime),
    Column("stored_at", DateTime, nullable=False),
    Column("direction", String(3), nullable=False),  # "in" | "out"
    Column("client", String(200)),
    Column("language", String(2), nullable=False, default="en"),
    Column("new_text", Text, nullable=False, default=""),
    Column("content_words", Integer, nullable=False, default=0),
    Column("html_only", Boolean, nullable=False, default=False),
    Column("has_attachments", Boolean, nullable=False, default=False),
    Column("attachment_names", Text),  # one per line; names only, never content
    Column("parse_error", Text),
    Column("defects", Text),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("vague", Boolean, nullable=False, default=False),
    Column("complaint", Boolean, nullable=False, default=False),
    Column("after_hours", Boolean, nullable=False, default=False),
    Column("p_urgent", Float, nullable=False, default=0.0),
    Column("p_vague", Float, nullable=False, default=0.0),
    Column("p_complaint", Float, nullable=False, default=0.0),
    Column("why", Text, nullable=False, default="{}"),
    Column("model_version", String(64), nullable=False, default=""),
    UniqueConstraint("account", "folder", "uidvalidity", "uid", name="uq_messages_location"),
    Index("ix_messages_hash", "account", "folder", "raw_sha256"),
    Index("ix_messages_client_date", "client", "date_utc"),
    Index("ix_messages_message_id", "message_id"),
    # the report's date range, in its order (migration 0002)
    Index("ix_messages_date", "date_utc", "id"),
)

message_raw = Table(
    "message_raw",
    metadata,
    Column("message_pk", Id, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("raw_zlib", LargeBinary, nullable=False),
)

folders = Table(
    "folders",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("name", String(500), primary_key=True),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("last_uid", BigInteger, nullable=False, default=0),
    Column("last_synced_at", DateTime),
)

corrections = Table(
    "corrections",
    metadata,
    Column("message_pk", Id, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(20), primary_key=True),
    Column("value", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("recipients", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("mime", LargeBinary, nullable=False),
    Column("status", String(10), nullable=False, default="pending"),  # pending/sending/sent/failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_attempt_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
)

score_history = Table(
    "score_history",
    metadata,
    Column("client", String(200), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("score", Float, nullable=False),
    Column("details", Text, nullable=False, default="{}"),
    Index("ix_score_history_day", "day"),  # migration 0002
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

# Mail deleted by retention or `forget`, so that no sync stores it again (migration 0003): its
# location, and its content hash and hashed Message-ID to recognise it under another
# UIDVALIDITY or UID. No text, no addresses: a tombstone says nothing about the mail.
tombstones = Table(
    "tombstones",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account", String(200), nullable=False),
    Column("folder", String(500), nullable=False),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("uid", BigInteger, nullable=False),
    Column("raw_sha256", String(64), nullable=False),
    Column("message_id_sha256", String(64)),
    # "retention" | "forget" (deleted) | "forgotten client" (arrived later, never stored)
    Column("reason", String(20), nullable=False),
    Column("client", String(200)),  # set for "forgotten client", so `forget --undo` finds them
    Column("deleted_at", DateTime, nullable=False),
    UniqueConstraint("account", "folder", "uidvalidity", "uid", name="uq_tombstones_location"),
    Index("ix_tombstones_hash", "account", "folder", "raw_sha256"),
    Index("ix_tombstones_message_id", "account", "folder", "message_id_sha256"),
)

# Clients whose mail is not stored until `forget --undo` (migration 0003): the name and the
# addresses and domains that were theirs when they were forgotten, comma-separated.
forgotten_clients = Table(
    "forgotten_clients",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("addresses", Text, nullable=False, default=""),
    Column("forgotten_at", DateTime, nullable=False),
)


# One row per IMAP account: the outcome of its syncs, for `health` and `metrics` (migration
# 0004). The counters only grow; they are totals since the row was created.
account_health = Table(
    "account_health",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("last_success_at", DateTime),
    Column("last_failure_at", DateTime),
    Column("last_error", Text),
    Column("login_failures", BigInteger, nullable=False, default=0),
    Column("messages_ingested", BigInteger, nullable=False, default=0),
)


# The invoices of a ledger CSV (`inboxwatch invoices import`, migration 0005): one row per
# invoice number (folded, `number_key`) and configured client; importing again updates it.
# `payment_tracked`: the ledger had a paid-date column, so an empty `paid` means unpaid.
invoices = Table(
    "invoices",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("client", String(200), nullable=False),
    Column("number", String(100), nullable=False),
    Column("number_key", String(100), nullable=False),
    Column("issued", Date),
    Column("due", Date),
    Column("paid", Date),
    Column("payment_tracked", Boolean, nullable=False, default=False),
    Column("amount", Float),
    Column("currency", String(10), nullable=False, default=""),
    Column("source", String(500), nullable=False, default=""),
    Column("imported_at", DateTime, nullable=False),
    UniqueConstraint("client", "number_key", name="uq_invoices_client_number"),
)


def dialect_insert(dialect_name: str, table: Table) -> Any:
    """An INSERT on *table* that offers ON CONFLICT (SQLite and PostgreSQL both do)."""
    module: Any = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(table)
