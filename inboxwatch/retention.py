"""Delete stored mail older than the configured retention period (opt-in)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from inboxwatch.schema import corrections, message_raw, messages
from inboxwatch.store import Store


def delete_older_than(store: Store, cutoff: datetime) -> int:
    """Delete messages dated before *cutoff* (naive UTC), with their raw bytes and
    corrections; the folder watermarks stay, so deleted mail is not fetched again.
    A message without a usable Date header ages from when it was stored."""
    is_old = func.coalesce(messages.c.date_utc, messages.c.stored_at) < cutoff
    old = select(messages.c.id).where(is_old).scalar_subquery()
    with store.transaction() as conn:
        conn.execute(delete(corrections).where(corrections.c.message_pk.in_(old)))
        conn.execute(delete(message_raw).where(message_raw.c.message_pk.in_(old)))
        return conn.execute(delete(messages).where(is_old)).rowcount
