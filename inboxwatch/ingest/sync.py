"""Incremental IMAP sync that never loses or double-counts mail (see docs/SYNC.md).

Per folder: EXAMINE; if UIDVALIDITY is new or changed, start the watermark again from zero
and re-match every message the server still has against the rows stored under the old
UIDVALIDITY (by raw sha256, else by a Message-ID unique among them): matches are re-keyed,
never duplicated, and nothing is ever deleted (a momentarily empty folder is not a mass
deletion). Then ``UID SEARCH UID last+1:*``, sizes, batches bounded by count and bytes,
``BODY.PEEK[]`` per batch, parse, and one commit per batch that also moves the watermark.
When the server holds more messages than are stored for the current UIDVALIDITY, the UID
sets are compared and the missing ones fetched (a safety net for servers without QRESYNC);
mail deleted by retention or ``forget`` is not missing: its tombstone keeps it from being
fetched, and a copy fetched under a new UID or UIDVALIDITY is not stored (see
:mod:`~inboxwatch.storage.tombstones`).

On a dropped connection the sync reconnects with exponential backoff and jitter and resumes
from the stored watermark; the account's lease is held throughout, renewed by a
:class:`~inboxwatch.storage.leases.LeaseKeeper` thread (paused while ingest workers are
forked) and checked after every batch.
"""

from __future__ import annotations

import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self

from inboxwatch.config import AccountConfig, Config
from inboxwatch.credentials import resolve_password
from inboxwatch.errors import (
    ImapAuthError,
    ImapConnectError,
    ImapError,
    InboxwatchError,
    LockError,
)
from inboxwatch.ingest.pipeline import (
    BatchBuilder,
    IngestContext,
    Location,
    PendingRecords,
    unfetchable,
)
from inboxwatch.oauth import Secret, token_source
from inboxwatch.sources.imap import FolderInfo, ImapSession
from inboxwatch.storage.health import record_sync_failure, record_sync_success
from inboxwatch.storage.leases import LeaseKeeper, Leases
from inboxwatch.storage.store import NewMessage, Store, StoredCopy

logger = logging.getLogger(__name__)

# Sizes are fetched and batches planned for this many UIDs at a time (memory stays flat).
SIZE_WINDOW = 5_000
# The account lease: renewed every third of this by its keeper thread, so a poller that died
# on another host (whose pid cannot be checked) blocks the account this long at most.
ACCOUNT_LEASE_SECONDS = 30.0


class MailSession(Protocol):
    """What the sync needs from a connection (implemented by :class:`ImapSession`)."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def select_readonly(self, folder: str) -> FolderInfo: ...

    def search_uids_after(self, last_uid: int) -> list[int]: ...

    def search_all_uids(self) -> list[int]: ...

    def present_uids(self, uids: Sequence[int]) -> set[int]: ...

    def fetch_sizes(self, uids: Sequence[int]) -> dict[int, int]: ...

    def fetch_bodies(self, uids: Sequence[int]) -> dict[int, bytes]: ...

    def find_sent_folder(self) -> str | None: ...


SessionFactory = Callable[[AccountConfig, Secret], MailSession]


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter; *sleep* and *rand* are injectable for tests."""

    base_seconds: float = 1.0
    factor: float = 2.0
    max_seconds: float = 60.0
    jitter: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random

    def delay(self, attempt: int) -> float:
        """Seconds to wait before reconnect number *attempt* (1-based)."""
        raw = min(self.max_seconds, self.base_seconds * self.factor ** max(attempt - 1, 0))
        return raw * (1.0 - self.jitter + 2.0 * self.jitter * self.rand())


@dataclass
class FolderReport:
    """What one sync did to one folder."""

    folder: str
    uidvalidity: int = 0
    last_uid: int = 0
    fetched: int = 0
    inserted: int = 0
    already_stored: int = 0
    unparseable: int = 0
    rekeyed: int = 0
    deleted_before: int = 0  # fetched, but deleted by retention or `forget` before
    forgotten: int = 0  # fetched, but from or to a forgotten client
    elapsed_seconds: float = 0.0
    error: str | None = None


@dataclass
class AccountReport:
    """What one sync did to one account; ``error`` is set when it failed as a whole."""

    account: str
    folders: list[FolderReport] = field(default_factory=list)
    reconnects: int = 0
    elapsed_seconds: float = 0.0
    error: InboxwatchError | None = None

    def folder(self, name: str) -> FolderReport:
        for report in self.folders:
            if report.folder == name:
                return report
        self.folders.append(FolderReport(name))
        return self.folders[-1]

    @property
    def inserted(self) -> int:
        return sum(f.inserted for f in self.folders)

    def lines(self, with_error: bool = True) -> list[str]:
        """Human-readable summary, one line per folder, for the CLI and the service log;
        the account's own error last, unless *with_error* is false."""
        lines = [_folder_line(self.account, f) for f in self.folders]
        if self.reconnects:
            lines.append(f"{self.account}: reconnected {self.reconnects} time(s)")
        if self.error is not None and with_error:
            lines.append(f"{self.account}: failed: {self.error}")
        return lines


def _folder_line(account: str, report: FolderReport) -> str:
    where = f"{account}/{report.folder}"
    if report.error is not None:
        return f"{where}: skipped: {report.error}"
    line = f"{where}: {report.inserted} new"
    if report.unparseable:
        line += f" ({report.unparseable} unparseable)"
    line += f", {report.already_stored} already stored"
    if report.rekeyed:
        line += f", {report.rekeyed} re-matched after a UIDVALIDITY change"
    if report.deleted_before:
        line += f", {report.deleted_before} deleted earlier (not stored again)"
    if report.forgotten:
        line += f", {report.forgotten} of forgotten clients (not stored)"
    line += f", uidvalidity {report.uidvalidity}, last uid {report.last_uid}"
    if report.fetched:
        line += f", {report.elapsed_seconds:.1f} s"
    return line


def folders_to_sync(account: AccountConfig) -> list[str]:
    """The account's folders, then its Sent folder, each once (a Sent folder found on the
    server is added by the sync itself, see ``_AccountSync.add_sent_folder``)."""
    names = list(account.folders)
    if account.sent_folder and account.sent_folder not in names:
        names.append(account.sent_folder)
    return names


def plan_batches(
    uids: Sequence[int], sizes: dict[int, int], max_messages: int, max_bytes: int
) -> Iterator[list[int]]:
    """Cut the UIDs that still exist (those in *sizes*) into batches bounded by count and
    by bytes; a message larger than *max_bytes* forms a batch of its own."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        if uid not in sizes:
            continue
        size = sizes[uid]
        if batch and (len(batch) >= max_messages or total + size > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


class FetchGuard:
    """Finds the message a server cannot send, so one bad message never stops a folder.

    A server that cannot read a message (a damaged or unreadable file) may drop the
    connection at each FETCH of it (its size or its body), and the sync would retry the same
    batch forever. After a FETCH that lost the connection, those UIDs are fetched in halves,
    then halves of the half that failed again, down to single messages (the ones that come
    through are stored as usual). A message that fails alone ``GIVE_UP_AFTER`` times is
    given up: stored as unfetchable, with the reason, so the watermark can pass it."""

    GIVE_UP_AFTER = 2

    def __init__(self) -> None:
        self._suspect: dict[str, tuple[int, int, int]] = {}  # folder -> (first, last, cap)
        self._alone_failures: dict[tuple[str, int], int] = {}
        self.narrowed = False  # the last failure was on fewer messages than the one before

    def failed(self, folder: str, uids: Sequence[int]) -> None:
        """A FETCH of *uids* (ascending) lost the connection."""
        if len(uids) == 1:
            key = (folder, uids[0])
            self._alone_failures[key] = self._alone_failures.get(key, 0) + 1
        before = self._suspect.get(folder)
        self.narrowed = before is not None and len(uids) <= before[2]
        self._suspect[folder] = (uids[0], uids[-1], max(1, len(uids) // 2))

    def given_up(self, folder: str, uid: int) -> bool:
        return self._alone_failures.get((folder, uid), 0) >= self.GIVE_UP_AFTER

    def split(self, folder: str, uids: list[int]) -> list[list[int]]:
        """*uids* in pieces: smaller where they overlap UIDs whose FETCH failed, and each
        given-up message alone."""
        suspect = self._suspect.get(folder)
        if suspect is None or uids[-1] < suspect[0] or uids[0] > suspect[1]:
            return [uids]
        pieces: list[list[int]] = []
        for start in range(0, len(uids), suspect[2]):
            run: list[int] = []
            for uid in uids[start : start + suspect[2]]:
                if self.given_up(folder, uid):
                    pieces += [run, [uid]] if run else [[uid]]
                    run = []
                else:
                    run.append(uid)
            if run:
                pieces.append(run)
        return pieces


class OrphanIndex:
    """Rows stored under an older UIDVALIDITY, matched one-to-one against fetched mail."""

    def __init__(self, copies: Sequence[StoredCopy]) -> None:
        self._by_hash: dict[str, list[int]] = {}
        self._by_message_id: dict[str, list[int]] = {}
        self._taken: set[int] = set()
        for copy in copies:
            self._by_hash.setdefault(copy.raw_sha256, []).append(copy.pk)
            if copy.message_id:
                self._by_message_id.setdefault(copy.message_id, []).append(copy.pk)
        self.remaining = len(copies)

    def match(
        self, records: Sequence[NewMessage]
    ) -> tuple[list[tuple[int, int]], list[NewMessage]]:
        """Split *records* into re-keys ``(pk, new uid)`` and messages to insert.

        Exact content matches are taken first, so a Message-ID match never steals the row
        that a byte-identical message in the same batch needs."""
        if not self.remaining:
            return [], list(records)
        found = {r.uid: self._take(self._by_hash.get(r.raw_sha256)) for r in records}
        for record in records:
            if found[record.uid] is None and record.message_id:
                candidates = self._by_message_id.get(record.message_id)
                # A Message-ID shared by several stored messages says nothing: only if unique.
                if candidates is not None and len(candidates) == 1:
                    found[record.uid] = self._take(candidates)
        rekeys = [(pk, uid) for uid, pk in found.items() if pk is not None]
        return rekeys, [r for r in records if found[r.uid] is None]

    def _take(self, pks: list[int] | None) -> int | None:
        while pks:
            pk = pks.pop(0)
            if pk not in self._taken:
                self._taken.add(pk)
                self.remaining -= 1
                return pk
        return None


class _AccountSync:
    """One sync run over one account: owns the session, the lease and the report."""

    def __init__(
        self,
        account: AccountConfig,
        password: Secret,
        store: Store,
        ctx: IngestContext,
        session_factory: SessionFactory,
        keeper: LeaseKeeper,
        report: AccountReport,
    ) -> None:
        self.account = account
        self.password = password
        self.store = store
        self.ctx = ctx
        self.session_factory = session_factory
        self.keeper = keeper
        self.report = report
        self.progress = False
        self.guard = FetchGuard()
        self.looked_for_sent = False

    def run(self, max_reconnects: int, backoff: Backoff) -> None:
        pending = folders_to_sync(self.account)
        failures = 0
        while pending:
            self.progress = self.guard.narrowed = False
            try:
                with self.session_factory(self.account, self.password) as session:
                    self.add_sent_folder(session, pending)
                    while pending:
                        self.sync_folder(session, pending[0])
                        pending.pop(0)
            except ImapConnectError as exc:
                # Consecutive failures count; a committed batch proves the link works, and
                # so does closing in on a message the server cannot send.
                failures = 1 if self.progress or self.guard.narrowed else failures + 1
                if failures > max_reconnects:
                    raise
                self.report.reconnects += 1
                delay = backoff.delay(failures)
                logger.warning(
                    "%s: %s; reconnecting in %.1f s (attempt %d of %d)",
                    self.account.name,
                    exc,
                    delay,
                    failures,
                    max_reconnects,
                )
                self.check_lease()
                backoff.sleep(delay)

    def add_sent_folder(self, session: MailSession, pending: list[str]) -> None:
        """Without sent_folder in the config, sync the folder the server flags \\Sent."""
        if not self.account.find_sent or self.looked_for_sent:
            return
        found = session.find_sent_folder()
        self.looked_for_sent = True
        if found is None:
            logger.info(
                "%s: the server flags no folder as Sent; set sent_folder to measure reply times",
                self.account.name,
            )
        elif found not in self.account.folders and found not in pending:
            logger.info("%s: the Sent folder is %r", self.account.name, found)
            pending.append(found)

    def check_lease(self) -> None:
        """Stop (LockError) once the lease is no longer ours: taken by another process, or
        not renewed for its ttl (its keeper thread renews it)."""
        problem = self.keeper.problem()
        if problem is not None:
            raise LockError(f"{self.account.name}: {problem}; stopping this sync")

    def sync_folder(self, session: MailSession, folder: str) -> None:
        report = self.report.folder(folder)
        started = time.monotonic()
        try:
            info = session.select_readonly(folder)
        except ImapConnectError:
            raise
        except ImapError as exc:  # a missing folder must not stop the other folders
            report.error = str(exc)
            logger.warning("%s", exc)
            return
        try:
            self._sync_selected(session, folder, info, report)
        finally:
            report.elapsed_seconds += time.monotonic() - started

    def _sync_selected(
        self, session: MailSession, folder: str, info: FolderInfo, report: FolderReport
    ) -> None:
        last_uid = self._watermark(folder, info.uidvalidity)
        report.uidvalidity, report.error = info.uidvalidity, None
        report.last_uid = last_uid
        orphans = OrphanIndex(
            self.store.orphaned_copies(self.account.name, folder, info.uidvalidity)
        )
        uids = session.search_uids_after(last_uid)
        self._fetch_and_store(session, folder, info.uidvalidity, uids, last_uid, orphans)
        if self._may_have_gaps(folder, info, orphans):
            self._fill_gaps(session, folder, info.uidvalidity, orphans)

    def _watermark(self, folder: str, uidvalidity: int) -> int:
        """The last UID stored; zero (after recording *uidvalidity*) if it is new or changed."""
        state = self.store.folder_state(self.account.name, folder)
        if state is not None and state.uidvalidity == uidvalidity:
            return state.last_uid
        if state is not None:
            logger.warning(
                "%s/%s: UIDVALIDITY changed from %d to %d; re-matching stored "
                "messages (nothing is deleted)",
                self.account.name,
                folder,
                state.uidvalidity,
                uidvalidity,
            )
        self.store.reset_folder(self.account.name, folder, uidvalidity)
        return 0

    def _fetch_and_store(
        self,
        session: MailSession,
        folder: str,
        uidvalidity: int,
        uids: Sequence[int],
        watermark: int,
        orphans: OrphanIndex,
    ) -> None:
        if not uids:
            return
        with BatchBuilder(self.ctx, len(uids), quiet=self.keeper.paused) as builder:
            # With worker processes, batch k is stored while the next ones are being parsed;
            # batches are still committed one by one and in order.
            pending: deque[tuple[PendingRecords, int, int]] = deque()

            def store_oldest(keep: int) -> None:
                """Store pending batches, oldest first, until *keep* are left."""
                while len(pending) > keep:
                    self._store(
                        session,
                        folder,
                        uidvalidity,
                        *pending.popleft(),
                        orphans,
                        returns_possible=watermark > 0,
                    )

            for batch, mark in self._planned_batches(session, folder, uids, watermark):
                if len(batch) == 1 and self.guard.given_up(folder, batch[0]):
                    store_oldest(0)  # in order: the watermark only moves forward
                    self._store_unfetchable(folder, uidvalidity, batch[0], mark)
                    continue
                bodies = self._fetch(session, folder, batch)
                items = [
                    (Location(self.account.name, folder, uidvalidity, uid), bodies[uid])
                    for uid in batch
                    if uid in bodies
                ]
                pending.append((builder.submit(items), len(items), mark))
                store_oldest(builder.depth)
            store_oldest(0)

    def _fetch_sizes(
        self, session: MailSession, folder: str, window: Sequence[int]
    ) -> dict[int, int]:
        """Sizes of the UIDs in *window* still present; a given-up message counts as 0."""
        sizes: dict[int, int] = {}
        for piece in self.guard.split(folder, list(window)):
            if len(piece) == 1 and self.guard.given_up(folder, piece[0]):
                sizes[piece[0]] = 0
                continue
            try:
                sizes.update(session.fetch_sizes(piece))
            except ImapConnectError:
                self.guard.failed(folder, piece)
                raise
        return sizes

    def _fetch(self, session: MailSession, folder: str, batch: list[int]) -> dict[int, bytes]:
        if not batch:
            return {}
        try:
            return session.fetch_bodies(batch)
        except ImapConnectError:
            self.guard.failed(folder, batch)
            raise

    def _store_unfetchable(self, folder: str, uidvalidity: int, uid: int, mark: int) -> None:
        reason = (
            f"the server dropped the connection each time this message was fetched "
            f"({FetchGuard.GIVE_UP_AFTER} times alone); it is skipped, look in the "
            "server's log for a damaged or unreadable message file"
        )
        logger.warning("%s/%s uid %d: %s", self.account.name, folder, uid, reason)
        record = unfetchable(Location(self.account.name, folder, uidvalidity, uid), reason)
        inserted = self.store.store_batch(
            self.account.name, folder, uidvalidity, [record], last_uid=mark
        ).inserted
        report = self.report.folder(folder)
        report.inserted += inserted
        report.unparseable += inserted
        report.last_uid = mark
        self.progress = True

    def _planned_batches(
        self, session: MailSession, folder: str, uids: Sequence[int], watermark: int
    ) -> Iterator[tuple[list[int], int]]:
        """``(batch, watermark after it)``: batches bounded by count and bytes, planned from
        the sizes of one window of UIDs at a time so memory stays flat for any mailbox.
        UIDs that vanished before the FETCH are gone for good: the last batch's watermark
        passes them (an empty last batch if nothing is left)."""
        previous: list[int] | None = None
        for start in range(0, len(uids), SIZE_WINDOW):
            window = uids[start : start + SIZE_WINDOW]
            sizes = self._fetch_sizes(session, folder, window)
            for planned in plan_batches(
                window, sizes, self.account.batch_messages, self.account.batch_bytes
            ):
                for batch in self.guard.split(folder, planned):
                    if previous is not None:
                        yield previous, max(watermark, max(previous))
                    previous = batch
        yield previous or [], max(watermark, max(uids))

    def _store(
        self,
        session: MailSession,
        folder: str,
        uidvalidity: int,
        job: PendingRecords,
        fetched: int,
        mark: int,
        orphans: OrphanIndex,
        returns_possible: bool,
    ) -> None:
        records = job.result()
        rekeys, fresh = orphans.match(records)
        if returns_possible:
            returned, fresh = self._returned_mail(session, folder, uidvalidity, fresh)
            rekeys += returned
        stored = self.store.store_batch(
            self.account.name, folder, uidvalidity, fresh, last_uid=mark, rekeys=rekeys
        )
        self.progress = True
        report = self.report.folder(folder)
        report.fetched += fetched
        report.inserted += stored.inserted
        report.deleted_before += stored.deleted_before
        report.forgotten += stored.forgotten
        report.already_stored += (
            len(fresh) - stored.inserted - stored.deleted_before - stored.forgotten
        )
        report.rekeyed += len(rekeys)
        report.unparseable += sum(1 for r in fresh if r.parse_error is not None)
        report.last_uid = mark
        self.check_lease()

    def _returned_mail(
        self, session: MailSession, folder: str, uidvalidity: int, records: list[NewMessage]
    ) -> tuple[list[tuple[int, int]], list[NewMessage]]:
        """Mail that left the folder and came back under a new UID (moved out and back, or
        hidden by the server for a while): its stored row, the same bytes under a UID the
        server no longer has, moves to the new UID (``(row id, new uid)`` pairs, one row per
        message) instead of a second row being stored. Returns those and the rest."""
        copies = self.store.copies_by_hash(
            self.account.name, folder, uidvalidity, (r.raw_sha256 for r in records)
        )
        fetched = {r.uid for r in records}
        old_uids = {uid for pairs in copies.values() for _, uid in pairs if uid not in fetched}
        if not old_uids:
            return [], records
        gone = old_uids - session.present_uids(sorted(old_uids))
        rekeys: list[tuple[int, int]] = []
        fresh: list[NewMessage] = []
        for record in records:
            pairs = copies.get(record.raw_sha256, [])
            match = next((pair for pair in pairs if pair[1] in gone), None)
            if match is None:
                fresh.append(record)
                continue
            pairs.remove(match)
            rekeys.append((match[0], record.uid))
        return rekeys, fresh

    def _may_have_gaps(self, folder: str, info: FolderInfo, orphans: OrphanIndex) -> bool:
        """Whether the server had more messages at EXAMINE than we hold (stored or
        tombstoned) for its UIDVALIDITY."""
        if info.exists == 0:
            return False
        stored = self.store.count_messages(self.account.name, folder) - orphans.remaining
        buried = self.store.count_buried(self.account.name, folder, info.uidvalidity)
        return info.exists > stored + buried

    def _fill_gaps(
        self, session: MailSession, folder: str, uidvalidity: int, orphans: OrphanIndex
    ) -> None:
        state = self.store.folder_state(self.account.name, folder)
        watermark = state.last_uid if state is not None else 0
        have = self.store.stored_uids(self.account.name, folder, uidvalidity)
        have |= self.store.buried_uids(self.account.name, folder, uidvalidity)  # never again
        missing = [uid for uid in session.search_all_uids() if uid not in have and uid <= watermark]
        if missing:
            logger.warning(
                "%s/%s: %d messages below the watermark were missing; fetching them",
                self.account.name,
                folder,
                len(missing),
            )
            self._fetch_and_store(session, folder, uidvalidity, missing, watermark, orphans)


def sync_account(
    account: AccountConfig,
    password: Secret,
    store: Store,
    ctx: IngestContext,
    *,
    session_factory: SessionFactory = ImapSession,
    max_reconnects: int = 5,
    backoff: Backoff | None = None,
    leases: Leases | None = None,
    lease_seconds: float = ACCOUNT_LEASE_SECONDS,
) -> AccountReport:
    """Sync every folder of *account* (and its Sent folder) into *store*, read-only.

    Holds the lease ``account:<name>`` throughout (LockError if another process has it).
    Raises ImapConnectError after *max_reconnects* consecutive failed reconnects,
    ImapAuthError / ImapTlsError at once; a folder that cannot be opened is reported in
    its :class:`FolderReport` and the other folders are still synced."""
    leases = leases or Leases(store)
    report = AccountReport(account.name)
    started = time.monotonic()
    name = f"account:{account.name}"
    keeper: LeaseKeeper | None = None
    try:
        keeper = LeaseKeeper(leases, leases.acquire(name, lease_seconds))
        logger.debug("%s: lease taken", account.name, extra={"account": account.name})
        run = _AccountSync(account, password, store, ctx, session_factory, keeper.start(), report)
        run.run(max_reconnects, backoff or Backoff())
    except BaseException as exc:
        # Keep the original error; an unreleased lease simply expires. Released by name:
        # a signal may land after acquire() committed but before it returned.
        if keeper is not None:
            logger.debug("%s: releasing the lease", account.name, extra={"account": account.name})
            keeper.stop()
        with suppress(InboxwatchError):
            leases.release_name(name)
        if isinstance(exc, InboxwatchError) and keeper is not None:
            with suppress(InboxwatchError):  # the database itself may be what failed
                record_sync_failure(
                    store,
                    account.name,
                    str(exc),
                    inserted=report.inserted,
                    login=isinstance(exc, ImapAuthError),
                )
        raise
    logger.debug("%s: releasing the lease", account.name, extra={"account": account.name})
    leases.release(keeper.stop())
    report.elapsed_seconds = time.monotonic() - started
    _record_outcome(store, report)
    return report


def _record_outcome(store: Store, report: AccountReport) -> None:
    """Success only when every folder synced; else the first folder's error is recorded."""
    errors = [f"folder {f.folder!r}: {f.error}" for f in report.folders if f.error]
    if errors:
        record_sync_failure(store, report.account, errors[0], login=False, inserted=report.inserted)
    else:
        record_sync_success(store, report.account, report.inserted)


def account_password(account: AccountConfig) -> Secret:
    """The account's password from its password_env, password_file or password_command;
    with ``auth = "oauth2"`` its token source instead."""
    what = f"account {account.name!r}"
    if account.auth == "oauth2" and account.oauth is not None:
        return token_source(what, account.name, account.oauth)
    return resolve_password(
        what, account.password_env, account.password_command, account.password_file
    )


def poll_all(
    config: Config,
    store: Store,
    ctx: IngestContext,
    *,
    password_for: Callable[[AccountConfig], Secret] = account_password,
    session_factory: SessionFactory = ImapSession,
    backoff: Backoff | None = None,
) -> list[AccountReport]:
    """Sync every configured account once; a failing account is reported (its ``error``
    set, not logged: the caller shows it, once) and never stops the others."""
    reports = []
    for account in config.accounts:
        try:
            reports.append(
                sync_account(
                    account,
                    password_for(account),
                    store,
                    ctx,
                    session_factory=session_factory,
                    backoff=backoff,
                )
            )
        except InboxwatchError as exc:
            reports.append(AccountReport(account.name, error=exc))
    return reports
