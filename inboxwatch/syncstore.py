"""Database operations the IMAP sync needs beyond :class:`~inboxwatch.store.Store`.

Kept apart so :mod:`inboxwatch.store` stays owned by one author; these are candidates to
become ``Store`` methods. Every error surfaces as StorageError through
:meth:`Store.transaction`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update

from inboxwatch.schema import messages
from inboxwatch.store import NewMessage, Store, _save_folder_state, insert_messages


@dataclass(frozen=True)
class StoredCopy:
    """A stored message of a folder that is keyed under an older UIDVALIDITY."""

    pk: int
    raw_sha256: str
    message_id: str | None


def orphaned_copies(store: Store, account: str, folder: str, uidvalidity: int
                    ) -> list[StoredCopy]:
    """Messages of *folder* stored under any UIDVALIDITY other than *uidvalidity*."""
    query = select(messages.c.id, messages.c.raw_sha256, messages.c.message_id).where(
        messages.c.account == account, messages.c.folder == folder,
        messages.c.uidvalidity != uidvalidity).order_by(messages.c.id)
    with store.transaction() as conn:
        return [StoredCopy(pk, sha, mid) for pk, sha, mid in conn.execute(query)]


def stored_uids(store: Store, account: str, folder: str, uidvalidity: int) -> set[int]:
    """The UIDs of *folder* stored under *uidvalidity*."""
    query = select(messages.c.uid).where(
        messages.c.account == account, messages.c.folder == folder,
        messages.c.uidvalidity == uidvalidity)
    with store.transaction() as conn:
        return {int(uid) for uid in conn.execute(query).scalars()}


def store_batch_with_rekeys(store: Store, account: str, folder: str, uidvalidity: int,
                            batch: Sequence[NewMessage], rekeys: Sequence[tuple[int, int]],
                            last_uid: int) -> int:
    """Like :meth:`Store.store_batch`, and in the same transaction move the re-matched
    rows *rekeys* ``(message pk, new uid)`` to *uidvalidity*. Returns rows inserted.

    One transaction keeps "a location is stored" equivalent to "the watermark passed it",
    so a crash at any point resumes cleanly."""
    with store.transaction() as conn:
        for pk, uid in rekeys:
            conn.execute(update(messages).where(messages.c.id == pk).values(
                uidvalidity=uidvalidity, uid=uid))
        inserted = insert_messages(conn, batch)
        _save_folder_state(conn, account, folder, uidvalidity, last_uid)
    return inserted
