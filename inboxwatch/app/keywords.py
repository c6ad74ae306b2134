"""Write the tags and reply suggestions to the mailbox as IMAP keywords (``allow_write``).

After a sync, for each account with ``allow_write = true``: the account's incoming client
messages of the report window are read from the database (tags with the user's corrections
already applied), their keywords decided (:mod:`inboxwatch.analysis.keywords`), compared
with the FLAGS on the server, and only the difference is stored. So a second pass stores
nothing, a correction with ``inboxwatch label`` moves the keyword on the next pass, and an
answered message loses its reply keyword. Messages older than the window keep theirs.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from inboxwatch.analysis.keywords import desired_keywords, keyword_change
from inboxwatch.config import AccountConfig, Config
from inboxwatch.oauth import Secret
from inboxwatch.reporting.build import pending_reply_suggestions
from inboxwatch.sources.imap import ImapSession
from inboxwatch.storage.schema import folders, messages
from inboxwatch.storage.store import Store, utcnow

logger = logging.getLogger(__name__)

_TAGS = ("urgent", "complaint", "vague", "after_hours")


@dataclass
class KeywordReport:
    """What one pass over one account wrote."""

    account: str
    messages: int = 0  # client messages considered
    added: int = 0  # (message, keyword) pairs added
    removed: int = 0

    def line(self) -> str:
        return (
            f"{self.account}: keywords on {self.messages} client messages: "
            f"{self.added} added, {self.removed} removed"
        )


def planned_keywords(
    config: Config, store: Store, account: AccountConfig, now: datetime
) -> dict[str, dict[int, frozenset[str]]]:
    """For each folder of *account*, UID → the keywords of ours it should carry."""
    suggestions = {s.message_id: s for s in pending_reply_suggestions(config, store, now)}
    since = now - timedelta(days=config.report.window_days)
    query = (
        select(
            messages.c.id, messages.c.folder, messages.c.uid, *(messages.c[tag] for tag in _TAGS)
        )
        .join(
            folders,
            (folders.c.account == messages.c.account)
            & (folders.c.name == messages.c.folder)
            & (folders.c.uidvalidity == messages.c.uidvalidity),
        )
        .where(
            messages.c.account == account.name,
            messages.c.direction == "in",
            messages.c.client.is_not(None),
            messages.c.parse_error.is_(None),
            messages.c.date_utc >= since,
        )
    )
    plan: dict[str, dict[int, frozenset[str]]] = defaultdict(dict)
    with store.transaction() as conn:
        for row in conn.execute(query):
            tags = {tag: bool(row[3 + i]) for i, tag in enumerate(_TAGS)}
            plan[row.folder][row.uid] = desired_keywords(tags, suggestions.get(row.id))
    return dict(plan)


def write_keywords(
    config: Config,
    account: AccountConfig,
    password: Secret,
    store: Store,
    now: datetime | None = None,
    session_factory: Callable[[AccountConfig, Secret], ImapSession] = ImapSession,
) -> KeywordReport:
    """Bring the server's keywords of *account* in line with the plan; a read-only account
    is never connected to."""
    report = KeywordReport(account.name)
    if not account.allow_write:
        return report
    plan = planned_keywords(config, store, account, now or utcnow())
    if not plan:
        return report
    with session_factory(account, password) as session:
        for folder, wanted in plan.items():
            report.messages += len(wanted)
            _write_folder(session, folder, wanted, report)
    return report


def _write_folder(
    session: ImapSession, folder: str, wanted: dict[int, frozenset[str]], report: KeywordReport
) -> None:
    session.select_readonly(folder)
    current = session.fetch_flags(sorted(wanted))
    add: dict[str, list[int]] = defaultdict(list)
    remove: dict[str, list[int]] = defaultdict(list)
    for uid, flags in current.items():
        change = keyword_change(flags, wanted[uid])
        if change is None:
            continue
        for keyword in change.add:
            add[keyword].append(uid)
        for keyword in change.remove:
            remove[keyword].append(uid)
    if add or remove:
        session.store_keywords(folder, add, remove)
        report.added += sum(map(len, add.values()))
        report.removed += sum(map(len, remove.values()))
