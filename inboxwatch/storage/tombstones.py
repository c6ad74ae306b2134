"""Deleted stays deleted: tombstones of mail removed by retention or ``forget``, and the
clients whose new mail is not stored until ``forget --undo``.

A tombstone keeps where a deleted message was (account, folder, UIDVALIDITY, UID), its raw
sha256 and the sha256 of its Message-ID — never its text or addresses. Every batch the
store is asked to insert is sifted here, in the same transaction as the insert:

- a message at a tombstoned location, with the raw bytes of a tombstone of its folder, or
  with the Message-ID of one under another UIDVALIDITY (the server renumbered the folder
  and may have rewritten the bytes) is not stored; its new location gets a tombstone too,
  so it is never fetched again;
- a message of a forgotten client (assigned to them, or from or to one of their addresses,
  the rule ``forget`` deletes by) is not stored; its location gets a tombstone naming the
  client, which ``forget --undo`` removes so that the next poll fetches that mail.

SQL only through the connection it is given (the store's transaction); it does not import
the store, which calls it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Connection, and_, delete, func, or_, select

from inboxwatch.storage.schema import dialect_insert, forgotten_clients, messages, tombstones

RETENTION = "retention"
FORGET = "forget"
FORGOTTEN_CLIENT = "forgotten client"

# The hash of no bytes at all: every message the server could not send has it, so it
# identifies nothing.
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_CHUNK = 500


class Located(Protocol):
    """What a tombstone keeps of a message."""

    @property
    def account(self) -> str: ...
    @property
    def folder(self) -> str: ...
    @property
    def uidvalidity(self) -> int: ...
    @property
    def uid(self) -> int: ...
    @property
    def raw_sha256(self) -> str: ...
    @property
    def message_id(self) -> str | None: ...


class Record(Located, Protocol):
    """What sifting needs to know about a message to be stored (a ``NewMessage``)."""

    @property
    def client(self) -> str | None: ...
    @property
    def from_addr(self) -> str: ...
    @property
    def to_addrs(self) -> str: ...


def message_id_sha256(message_id: str | None) -> str | None:
    """The stored form of a Message-ID in a tombstone (None for none)."""
    return hashlib.sha256(message_id.encode()).hexdigest() if message_id else None


@dataclass(frozen=True)
class ForgottenClient:
    """A client whose mail is not stored: its name and the addresses it had when forgotten
    (``boss@acme.example`` or ``@acme.example``, sub-domains included)."""

    name: str
    addresses: tuple[str, ...]

    def owns(self, record: Record) -> bool:
        """Whether *record* is theirs: the rule ``forget`` deletes by
        (``_client_messages`` in :mod:`~inboxwatch.storage.retention`), in Python."""
        if record.client == self.name:
            return True
        found = [record.from_addr, *record.to_addrs.split(",")]
        return any(self._matches(address.strip().lower()) for address in found if address)

    def _matches(self, address: str) -> bool:
        domain = address.rpartition("@")[2]
        for entry in self.addresses:
            if entry.startswith("@"):
                if domain == entry[1:] or domain.endswith("." + entry[1:]):
                    return True
            elif address == entry:
                return True
        return False


R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class Sifted(Generic[R]):
    """A batch split into the records to store and those that are not stored."""

    kept: list[R]
    deleted_before: int  # matched a tombstone: deleted by retention or `forget`
    forgotten: int  # of a forgotten client


def sift(conn: Connection, uidvalidity: int, batch: Sequence[R], now: datetime) -> Sifted[R]:
    """Drop from *batch* (one folder's records under *uidvalidity*) the mail that was
    deleted or belongs to a forgotten client, writing tombstones for their locations."""
    if not batch:
        return Sifted([], 0, 0)
    reasons = _tombstone_reasons(conn, uidvalidity, batch)
    dead = [(r, reason) for r in batch if (reason := reasons.get(r.uid)) is not None]
    alive = [r for r in batch if r.uid not in reasons]
    forgotten = load_forgotten(conn)
    owned = [
        (r, owner)
        for r in alive
        if (owner := next((f.name for f in forgotten if f.owns(r)), None)) is not None
    ]
    skipped = {r.uid for r, _owner in owned}
    for reason in {reason for _r, reason in dead}:
        bury(conn, [r for r, why in dead if why == reason], reason, now)
    for owner in {owner for _r, owner in owned}:
        bury(conn, [r for r, who in owned if who == owner], FORGOTTEN_CLIENT, now, client=owner)
    return Sifted([r for r in alive if r.uid not in skipped], len(dead), len(owned))


def _tombstone_reasons(
    conn: Connection, uidvalidity: int, batch: Sequence[Record]
) -> dict[int, str]:
    """UID → the reason of the tombstone that each record of *batch* matches."""
    account, folder = batch[0].account, batch[0].folder
    here = and_(tombstones.c.account == account, tombstones.c.folder == folder)
    if conn.execute(select(tombstones.c.id).where(here).limit(1)).first() is None:
        return {}  # the usual case, one indexed look-up
    hashes = {r.raw_sha256 for r in batch} - {_EMPTY_SHA256}
    ids = {h for r in batch if (h := message_id_sha256(r.message_id)) is not None}
    query = select(
        tombstones.c.uidvalidity,
        tombstones.c.uid,
        tombstones.c.raw_sha256,
        tombstones.c.message_id_sha256,
        tombstones.c.reason,
    ).where(
        here,
        or_(
            and_(
                tombstones.c.uidvalidity == uidvalidity,
                tombstones.c.uid.in_(sorted(r.uid for r in batch)),
            ),
            tombstones.c.raw_sha256.in_(sorted(hashes)),
            and_(
                tombstones.c.uidvalidity != uidvalidity,
                tombstones.c.message_id_sha256.in_(sorted(ids)),
            ),
        ),
    )
    by_location: dict[int, str] = {}
    by_hash: dict[str, str] = {}
    by_message_id: dict[str, str] = {}
    for validity, uid, sha, mid, reason in conn.execute(query):
        if validity == uidvalidity:
            by_location[int(uid)] = reason
        elif mid is not None:
            by_message_id.setdefault(mid, reason)
        by_hash.setdefault(sha, reason)
    found: dict[int, str] = {}
    for r in batch:
        reason = (
            by_location.get(r.uid)
            or (by_hash.get(r.raw_sha256) if r.raw_sha256 != _EMPTY_SHA256 else None)
            or by_message_id.get(message_id_sha256(r.message_id) or "")
        )
        if reason is not None:
            found[r.uid] = reason
    return found


def bury(
    conn: Connection,
    records: Iterable[Located],
    reason: str,
    now: datetime,
    client: str | None = None,
) -> None:
    """Write a tombstone for each of *records* (a location already buried stays as it is)."""
    rows = [
        {
            "account": r.account,
            "folder": r.folder,
            "uidvalidity": r.uidvalidity,
            "uid": r.uid,
            "raw_sha256": r.raw_sha256,
            "message_id_sha256": message_id_sha256(r.message_id),
            "reason": reason,
            "client": client,
            "deleted_at": now,
        }
        for r in records
    ]
    if rows:
        statement = dialect_insert(conn.dialect.name, tombstones).on_conflict_do_nothing(
            index_elements=["account", "folder", "uidvalidity", "uid"]
        )
        conn.execute(statement, rows)


def bury_messages(conn: Connection, which: ColumnElement[bool], reason: str, now: datetime) -> None:
    """Write a tombstone for every stored message *which* selects, before they are deleted
    in the same transaction (by pages of ids, so memory stays flat)."""
    columns = (
        messages.c.id,
        messages.c.account,
        messages.c.folder,
        messages.c.uidvalidity,
        messages.c.uid,
        messages.c.raw_sha256,
        messages.c.message_id,
    )
    last = 0
    while True:
        page = conn.execute(
            select(*columns)
            .where(which, messages.c.id > last)
            .order_by(messages.c.id)
            .limit(_CHUNK)
        ).all()
        if not page:
            return
        bury(conn, [_Row(*row[1:]) for row in page], reason, now)
        last = page[-1].id


@dataclass(frozen=True)
class _Row:
    """A stored message as a tombstone keeps it."""

    account: str
    folder: str
    uidvalidity: int
    uid: int
    raw_sha256: str
    message_id: str | None


def load_forgotten(conn: Connection) -> list[ForgottenClient]:
    """Every forgotten client."""
    rows = conn.execute(select(forgotten_clients.c.name, forgotten_clients.c.addresses))
    return [
        ForgottenClient(name, tuple(a for a in addresses.split(",") if a))
        for name, addresses in rows
    ]


def remember_forgotten(
    conn: Connection, client: str, addresses: Sequence[str], now: datetime
) -> None:
    """Record *client* as forgotten, with *addresses* (added to any it already had)."""
    before = conn.execute(
        select(forgotten_clients.c.addresses).where(forgotten_clients.c.name == client)
    ).scalar()
    entries = {a.strip().lower() for a in addresses if a.strip()}
    entries |= {a for a in (before or "").split(",") if a}
    values = {"addresses": ",".join(sorted(entries)), "forgotten_at": now}
    statement = dialect_insert(conn.dialect.name, forgotten_clients).values(name=client, **values)
    conn.execute(statement.on_conflict_do_update(index_elements=["name"], set_=values))


def unforget(conn: Connection, client: str) -> tuple[bool, int]:
    """Stop forgetting *client*: whether they were forgotten, and how many messages that
    arrived since (and were not stored) the next poll will fetch."""
    removed = conn.execute(
        delete(forgotten_clients).where(forgotten_clients.c.name == client)
    ).rowcount
    skipped = conn.execute(
        delete(tombstones).where(
            tombstones.c.reason == FORGOTTEN_CLIENT, tombstones.c.client == client
        )
    ).rowcount
    return bool(removed), int(skipped)


def _buried_in(account: str, folder: str, uidvalidity: int) -> ColumnElement[bool]:
    return and_(
        tombstones.c.account == account,
        tombstones.c.folder == folder,
        tombstones.c.uidvalidity == uidvalidity,
    )


def buried_uids(conn: Connection, account: str, folder: str, uidvalidity: int) -> set[int]:
    """The tombstoned UIDs of *folder* under *uidvalidity*: never to be fetched."""
    query = select(tombstones.c.uid).where(_buried_in(account, folder, uidvalidity))
    return {int(uid) for uid in conn.execute(query).scalars()}


def count_buried(conn: Connection, account: str, folder: str, uidvalidity: int) -> int:
    """How many UIDs of *folder* under *uidvalidity* are tombstoned."""
    query = (
        select(func.count()).select_from(tombstones).where(_buried_in(account, folder, uidvalidity))
    )
    return int(conn.execute(query).scalar_one())
