"""The one check every fault test ends with: does the database hold exactly the mailbox?"""

from __future__ import annotations

import hashlib
import zlib
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from inboxwatch.storage.schema import message_raw, messages
from inboxwatch.storage.store import Store
from tests.dovecot import MailUser


@dataclass(frozen=True)
class Comparison:
    """Mailbox against database for some folders of one account."""

    checked: int
    lost: int
    duplicated: int
    details: str

    def figures(self) -> dict[str, int]:
        return {"messages_checked": self.checked, "lost": self.lost, "duplicated": self.duplicated}


def compare(
    user: MailUser, store: Store, account: str, folders: tuple[str, ...] = ("INBOX",)
) -> Comparison:
    """Multisets of content sha256 per folder (server vs. rows), and raw blobs intact."""
    served = Counter(
        (folder, hashlib.sha256(raw).hexdigest())
        for folder in folders
        for raw in user.fetch_all(folder).values()
    )
    query = (
        select(messages.c.folder, messages.c.raw_sha256, message_raw.c.raw_zlib)
        .join(message_raw, message_raw.c.message_pk == messages.c.id, isouter=True)
        .where(messages.c.account == account, messages.c.folder.in_(folders))
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    broken = [
        r.raw_sha256
        for r in rows
        if r.raw_zlib is None
        or hashlib.sha256(zlib.decompress(r.raw_zlib)).hexdigest() != r.raw_sha256
    ]
    stored = Counter((r.folder, r.raw_sha256) for r in rows)
    lost, extra = served - stored, stored - served
    details = f"lost {sorted(lost)[:3]}, duplicated {sorted(extra)[:3]}, broken raw {broken[:3]}"
    return Comparison(len(rows), sum(lost.values()) + len(broken), sum(extra.values()), details)


def assert_mirrors(
    user: MailUser, store: Store, account: str, folders: tuple[str, ...] = ("INBOX",)
) -> Comparison:
    result = compare(user, store, account, folders)
    assert (result.lost, result.duplicated) == (0, 0), result.details
    return result
