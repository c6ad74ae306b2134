"""Per-account sync outcomes (the ``account_health`` table), for ``health`` and ``metrics``.

The sync records each account's result here; nothing else writes the table. Errors are
stored as their one-line message, which never holds a password (see SECURITY.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from inboxwatch.storage.schema import account_health, dialect_insert
from inboxwatch.storage.store import Store, utcnow


@dataclass(frozen=True)
class AccountHealth:
    """What the database knows about one account's syncs (naive UTC times)."""

    account: str
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_error: str | None = None
    login_failures: int = 0
    messages_ingested: int = 0


def record_sync_success(store: Store, account: str, inserted: int) -> None:
    """A sync of *account* finished for every folder, storing *inserted* new messages."""
    values: dict[str, object] = {"last_success_at": utcnow()}
    _upsert(store, account, values, {"messages_ingested": inserted})


def record_sync_failure(
    store: Store, account: str, error: str, *, login: bool, inserted: int = 0
) -> None:
    """A sync of *account* failed (a rejected login when *login*), after storing
    *inserted* messages."""
    values: dict[str, object] = {"last_failure_at": utcnow(), "last_error": error[:2000]}
    _upsert(store, account, values, {"messages_ingested": inserted, "login_failures": int(login)})


def _upsert(
    store: Store, account: str, values: dict[str, object], increments: dict[str, int]
) -> None:
    with store.transaction() as conn:
        first = {
            "account": account,
            "login_failures": 0,
            "messages_ingested": 0,
            **values,
            **increments,
        }
        insert = dialect_insert(conn.dialect.name, account_health).values(**first)
        update: dict[str, object] = dict(values)
        for column, amount in increments.items():
            update[column] = account_health.c[column] + amount
        conn.execute(insert.on_conflict_do_update(index_elements=["account"], set_=update))


def accounts_health(store: Store) -> dict[str, AccountHealth]:
    """Every recorded account's health, by account name."""
    with store.transaction() as conn:
        rows = conn.execute(select(account_health)).all()
    return {
        row.account: AccountHealth(
            row.account,
            row.last_success_at,
            row.last_failure_at,
            row.last_error,
            row.login_failures,
            row.messages_ingested,
        )
        for row in rows
    }
