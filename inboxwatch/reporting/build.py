"""The database side of the analysis: load each client's mail, score it, keep score history.

This adapter reads the ``messages`` table with SQLAlchemy Core (and the ledger's
``invoices``, through :mod:`inboxwatch.storage.invoices`, as
:class:`~inboxwatch.analysis.payments.LedgerInvoice` values for the late_payment sign), hands
plain :class:`~inboxwatch.analysis.conversations.Mail` values to the pure modules
(:mod:`inboxwatch.analysis.conversations`, :mod:`inboxwatch.analysis.scoring`,
:mod:`inboxwatch.analysis.reply_timing`, :mod:`inboxwatch.reporting.render`) and reads and
writes ``score_history``. Database errors surface as ``StorageError`` through
:meth:`Store.transaction`.

Windows are whole local days in the user's time zone: the report for day *D* covers the
``window_days`` days ending with *D* (up to midnight after it), and is compared with the same
number of days before. :func:`build_report` only reads; call :func:`save_scores` after the
report went out, so tomorrow's "since yesterday" compares against what the user was told.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from inboxwatch.analysis.conversations import Mail, Timeline, unreplied
from inboxwatch.analysis.payments import DEFAULT_TERMS_DAYS, LedgerInvoice
from inboxwatch.analysis.reply_timing import ReplySuggestion, suggest_reply
from inboxwatch.analysis.scoring import (
    DailyPoint,
    DayChange,
    ParetoRow,
    Scorecard,
    Window,
    against_peers,
    alert_threshold,
    client_report,
    day_change,
    paid_late_days,
    pareto,
    score_client,
    score_windows,
    writing_minutes,
)
from inboxwatch.analysis.waiting import (
    WaitingOn,
    WaitingQuestion,
    WaitingReply,
    combine,
    needs_no_answer,
    waiting_questions,
    waiting_replies,
)
from inboxwatch.config import Config
from inboxwatch.hours import WorkingTime
from inboxwatch.reporting.render import Report, render_text
from inboxwatch.storage.invoices import StoredInvoice, load_invoices
from inboxwatch.storage.schema import dialect_insert, messages, score_history
from inboxwatch.storage.store import Store

__all__ = [
    "CHART_DAYS",
    "build_report",
    "demo_report_text",
    "latest_message_day",
    "load_ledger",
    "load_mails",
    "load_scores",
    "pending_reply_suggestions",
    "report_window",
    "save_scores",
]

logger = logging.getLogger(__name__)

CHART_DAYS = 30  # days of score and volume in each client's chart
# Mail from before the earliest window is loaded too, for threading and chaser detection.
LOOKBACK_MARGIN = timedelta(days=7)
# Reply suggestions cover client messages this recent that have no reply yet: in the daily
# report, those of the last day; from `pending_reply_suggestions`, those of the last three.
REPORT_REPLY_LOOKBACK = timedelta(days=1)
REPLY_LOOKBACK = timedelta(days=3)

_COLUMNS = (
    messages.c.id,
    messages.c.direction,
    messages.c.client,
    messages.c.date_utc,
    messages.c.subject,
    messages.c.message_id,
    messages.c.in_reply_to,
    messages.c.references,
    messages.c.new_text,
    messages.c.content_words,
    messages.c.urgent,
    messages.c.vague,
    messages.c.complaint,
    messages.c.after_hours,
    messages.c.attachment_names,
)


def _naive_utc(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(tzinfo=None)


def report_window(day: date, window_days: int, tz: ZoneInfo) -> Window:
    """The *window_days* local days ending with *day*, as naive UTC [start, end)."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    start = datetime.combine(day + timedelta(days=1 - window_days), time(0), tzinfo=tz)
    return Window(_naive_utc(start), _naive_utc(end))


# What tells copies of one message apart from different messages (see _FirstCopies).
_COPY_COLUMNS = (messages.c.account, messages.c.folder, messages.c.raw_sha256)


def _mail(row: Sequence[Any]) -> Mail:
    # Positional, from a plain tuple: the report loads tens of thousands of these.
    (
        pk,
        direction,
        client,
        date_utc,
        subject,
        message_id,
        in_reply_to,
        references,
        new_text,
        content_words,
        urgent,
        vague,
        complaint,
        after_hours,
        attachment_names,
    ) = row[: len(_COLUMNS)]
    return Mail(  # by position, in the order of Mail's fields: quicker than by keyword
        pk,
        direction,
        client,
        date_utc,
        subject or "",
        message_id,
        in_reply_to,
        tuple((references or "").split()),
        new_text or "",
        content_words or 0,
        bool(urgent),
        bool(vague),
        bool(complaint),
        bool(after_hours),
        tuple(attachment_names.split("\n")) if attachment_names else (),
    )


class _FirstCopies:
    """Picks one stored copy of each message, so that mail kept in several folders (filed
    into a folder as well as INBOX; Gmail's labels and ``[Gmail]/All Mail``) counts once.

    A message is known by its Message-ID, or by the sha256 of its bytes when it has none.
    Rows of one folder are never copies of each other (storage is once per folder), so two
    different messages sharing a Message-ID stay two: the *n*-th row with an identity in a
    folder is a copy of the *n*-th one in any other folder. The first copy seen is kept.
    """

    def __init__(self) -> None:
        self._per_folder: dict[tuple[str, str, str], int] = {}
        self._kept: dict[str, int] = {}

    def first(self, message_id: str | None, account: str, folder: str, sha256: str) -> bool:
        """Whether this row is the first copy of its message seen (rows come in date order)."""
        identity = f"<{message_id}>" if message_id else sha256
        key = (identity, account, folder)
        nth = self._per_folder[key] = self._per_folder.get(key, 0) + 1
        if nth <= self._kept.get(identity, 0):
            return False
        self._kept[identity] = nth
        return True


def load_mails(store: Store, start: datetime, end: datetime) -> dict[str, list[Mail]]:
    """Each client's parsed messages (both directions) dated in [start, end), by time; a
    message stored in several folders is loaded once (see :class:`_FirstCopies`)."""
    query = (
        select(*_COLUMNS, *_COPY_COLUMNS)
        .where(
            messages.c.date_utc >= start,
            messages.c.date_utc < end,
            messages.c.client.is_not(None),
            messages.c.parse_error.is_(None),
        )
        .order_by(messages.c.date_utc, messages.c.id)
    )
    found: dict[str, list[Mail]] = {}
    copies = _FirstCopies()
    with store.transaction() as conn:
        for row in conn.execute(query):
            if copies.first(row[5], *row[len(_COLUMNS) :]):
                found.setdefault(row[2], []).append(_mail(row))
    return found


def load_ledger(store: Store, tz: ZoneInfo) -> dict[str, list[LedgerInvoice]]:
    """Each client's invoices from the imported ledger, their days as naive UTC at the
    start of each local day in *tz*."""
    found: dict[str, list[LedgerInvoice]] = {}
    for row in load_invoices(store):
        found.setdefault(row.client, []).append(_ledger_invoice(row, tz))
    return found


def _ledger_invoice(row: StoredInvoice, tz: ZoneInfo) -> LedgerInvoice:
    def start(day: date | None) -> datetime | None:
        return None if day is None else _naive_utc(datetime.combine(day, time(0), tzinfo=tz))

    return LedgerInvoice(
        row.number, start(row.issued), start(row.due), start(row.paid), row.payment_tracked
    )


def latest_message_day(config: Config, store: Store) -> date | None:
    """The local date of the newest stored message, or None when there is none."""
    with store.transaction() as conn:
        newest = conn.execute(select(func.max(messages.c.date_utc))).scalar()
    if not isinstance(newest, datetime):
        return None
    return newest.replace(tzinfo=UTC).astimezone(config.me.working_time.tz).date()


# --- score history ------------------------------------------------------------------------


def save_scores(store: Store, report: Report) -> None:
    """Record each client's score and signs for the report's day (replacing that day's)."""
    rows = [
        {
            "client": c.name,
            "day": report.day,
            "score": c.score,
            "details": json.dumps(_details(c.card), sort_keys=True),
        }
        for c in report.clients
    ]
    if not rows:
        return
    with store.transaction() as conn:
        for row in rows:
            conn.execute(_upsert(conn, row))


def _details(card: Scorecard) -> dict[str, Any]:
    return {
        "fired": [s.name for s in card.fired],
        "signs": {s.name: {"value": s.value, "fired": s.fired} for s in card.signs},
    }


def _upsert(conn: Connection, row: dict[str, Any]) -> Any:
    statement = dialect_insert(conn.dialect.name, score_history).values(**row)
    return statement.on_conflict_do_update(
        index_elements=["client", "day"], set_={"score": row["score"], "details": row["details"]}
    )


def load_scores(store: Store, day: date) -> dict[str, tuple[float, tuple[str, ...]]]:
    """The scores saved for *day*: client → (score, names of the fired signs)."""
    query = select(score_history.c.client, score_history.c.score, score_history.c.details).where(
        score_history.c.day == day
    )
    found: dict[str, tuple[float, tuple[str, ...]]] = {}
    with store.transaction() as conn:
        for client, score, details in conn.execute(query):
            found[client] = (float(score), _fired_names(details))
    return found


def _fired_names(details: str) -> tuple[str, ...]:
    try:
        fired = json.loads(details or "{}").get("fired", [])
    except (ValueError, AttributeError):
        return ()
    return tuple(str(name) for name in fired) if isinstance(fired, list) else ()


# --- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Settings:
    """What scoring needs from the config, for one client."""

    wt: WorkingTime
    thresholds: Mapping[str, float]
    min_messages: int
    window_days: int
    payment_terms_days: int = DEFAULT_TERMS_DAYS


def _settings(config: Config, client: str) -> _Settings:
    wt = next(
        (c.working_time for c in config.clients if c.name == client and c.working_time is not None),
        config.me.working_time,
    )
    terms = next(
        (c.payment_terms_days for c in config.clients if c.name == client), DEFAULT_TERMS_DAYS
    )
    return _Settings(
        wt, config.report.thresholds, config.report.min_messages, config.report.window_days, terms
    )


def _score(client: str, mails: Sequence[Mail], window: Window, s: _Settings) -> Scorecard:
    return score_client(
        client, mails, window, s.wt, s.thresholds, s.min_messages, s.payment_terms_days
    )


def _incoming_per_day(mails: Sequence[Mail], tz: ZoneInfo, since: datetime) -> dict[date, int]:
    """Incoming messages per local day, of those dated from *since* (naive UTC)."""
    counts: dict[date, int] = {}
    for mail in mails:
        if mail.incoming and mail.date >= since:
            local = mail.date.replace(tzinfo=UTC).astimezone(tz).date()
            counts[local] = counts.get(local, 0) + 1
    return counts


def _since_yesterday(
    card: Scorecard, saved: tuple[float, tuple[str, ...]] | None, yesterday: Scorecard
) -> DayChange:
    if saved is not None:
        return day_change(card, saved[0], saved[1], "history")
    return day_change(card, yesterday.score, [s.name for s in yesterday.fired], "computed")


def _client_names(config: Config, found: Mapping[str, Sequence[Mail]]) -> list[str]:
    names = [c.name for c in config.clients]
    return names + sorted(set(found) - set(names))


def _pareto_rows(
    config: Config, cards: Mapping[str, Scorecard], mails: Mapping[str, Sequence[Mail]]
) -> dict[str, ParetoRow]:
    revenue = {c.name: c.monthly_revenue for c in config.clients}
    inputs = []
    for name, card in cards.items():
        sent = [m for m in mails.get(name, []) if not m.incoming and card.window.contains(m.date)]
        inputs.append((name, revenue.get(name, 0.0), card.incoming, writing_minutes(sent)))
    return {
        row.client: dataclasses.replace(row, paid_late_days=paid_late_days(cards[row.client]))
        for row in pareto(inputs)
    }


def _reply_suggestions(
    mails: Sequence[Mail], card: Scorecard, s: _Settings, since: datetime
) -> list[ReplySuggestion]:
    habitual = card.sign("everything_urgent").fired
    recent = [m for m in mails if m.date < card.window.end]
    return [
        suggest_reply(m, s.wt, habitual)
        for m in unreplied(recent)
        if m.date >= since and not needs_no_answer(m)
    ]


@dataclass(frozen=True)
class _ClientScores:
    """One client's scorecards for the report: now, the window before, the daily series."""

    card: Scorecard
    previous: Scorecard
    daily: list[DailyPoint]
    since_yesterday: DayChange


def _chart_days(day: date) -> list[date]:
    return [day - timedelta(days=back) for back in range(CHART_DAYS - 1, -1, -1)]


def _windows(day: date, s: _Settings) -> list[Window]:
    """The windows ending on each of the last CHART_DAYS days (oldest first), then the
    window before the last."""
    windows = [report_window(when, s.window_days, s.wt.tz) for when in _chart_days(day)]
    return [*windows, windows[-1].before()]


def _timeline(mails: Sequence[Mail], day: date, s: _Settings, as_of: datetime) -> Timeline:
    """The client's mail threaded once for the scoring windows and the "waiting on" lists."""
    return Timeline(mails, s.wt, [*(w.end for w in _windows(day, s)), as_of])


def _client_windows(
    name: str,
    mails: Timeline,
    day: date,
    s: _Settings,
    ledger: Sequence[LedgerInvoice] = (),
) -> list[Scorecard]:
    """The scorecards for :func:`_windows`, from the client's threaded mail."""
    return score_windows(
        name,
        mails,
        _windows(day, s),
        s.wt,
        s.thresholds,
        s.min_messages,
        s.payment_terms_days,
        ledger,
    )


def _client_scores(
    cards: Sequence[Scorecard],
    mails: Sequence[Mail],
    day: date,
    s: _Settings,
    saved: tuple[float, tuple[str, ...]] | None,
) -> _ClientScores:
    *daily, previous = cards
    chart = _chart_days(day)
    counts = _incoming_per_day(mails, s.wt.tz, report_window(chart[0], 1, s.wt.tz).start)
    points = [
        DailyPoint(when, card.score, counts.get(when, 0))
        for when, card in zip(chart, daily, strict=True)
    ]
    return _ClientScores(daily[-1], previous, points, _since_yesterday(daily[-1], saved, daily[-2]))


def _against_peers(
    cards: Mapping[str, list[Scorecard]], thresholds: Mapping[str, float]
) -> dict[str, list[Scorecard]]:
    """Each window's scorecards, all clients together, checked against each other."""
    names = list(cards)
    windows = len(cards[names[0]]) if names else 0  # every client has the same windows
    by_window = [against_peers([cards[n][i] for n in names], thresholds) for i in range(windows)]
    return {n: [window[k] for window in by_window] for k, n in enumerate(names)}


def build_report(config: Config, store: Store, day: date) -> Report:
    """The report for local *day*: every client's scorecard over the window ending that day,
    the trend against the window before, the change since yesterday, the Pareto view, the
    daily series for the charts and (when enabled) reply-time suggestions. Reads only."""
    with _cycle_collector_paused():
        return _build_report(config, store, day)


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector; reference counting still frees memory.

    A report makes a few hundred thousand small objects and keeps most of them until it is
    built: the collector would walk them all again and again for reference cycles that the
    report does not make (a fifth of its time over 1,000,000 messages).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _build_report(config: Config, store: Store, day: date) -> Report:
    tz, days = config.me.working_time.tz, config.report.window_days
    window = report_window(day, days, tz)
    chart_start = report_window(day - timedelta(days=CHART_DAYS - 1), days, tz).start
    found = load_mails(store, min(window.before().start, chart_start) - LOOKBACK_MARGIN, window.end)
    saved = load_scores(store, day - timedelta(days=1))
    ledger = load_ledger(store, tz)
    names = _client_names(config, found)
    as_of = min(window.end, _naive_utc(datetime.now(UTC)))
    timelines = {n: _timeline(found.get(n, []), day, _settings(config, n), as_of) for n in names}
    cards = _against_peers(
        {
            n: _client_windows(n, timelines[n], day, _settings(config, n), ledger.get(n, ()))
            for n in names
        },
        config.report.thresholds,
    )
    scores = {
        n: _client_scores(cards[n], found.get(n, []), day, _settings(config, n), saved.get(n))
        for n in names
    }
    rows = _pareto_rows(config, {n: c.card for n, c in scores.items()}, found)
    threshold = alert_threshold(config.report.thresholds)
    clients = sorted(
        (
            client_report(c.card, c.previous, rows[n], c.daily, c.since_yesterday, threshold)
            for n, c in scores.items()
        ),
        key=lambda c: (-c.score, c.name),
    )
    replies: list[ReplySuggestion] = []
    if config.suggestions.enabled:
        for name, part in scores.items():
            replies += _reply_suggestions(
                found.get(name, []),
                part.card,
                _settings(config, name),
                window.end - REPORT_REPLY_LOOKBACK,
            )
    waiting = _waiting(config, found, {n: c.card for n, c in scores.items()}, as_of, timelines)
    return Report(
        day=day,
        window=window,
        window_days=days,
        timezone=str(tz),
        alert_threshold=threshold,
        min_messages=config.report.min_messages,
        clients=tuple(clients),
        reply_suggestions=tuple(sorted(replies, key=lambda r: r.reply_after)),
        waiting=waiting,
    )


def _waiting(
    config: Config,
    found: Mapping[str, Sequence[Mail]],
    cards: Mapping[str, Scorecard],
    as_of: datetime,
    timelines: Mapping[str, Timeline] | None = None,
) -> WaitingOn:
    """The "waiting on" lists as of *as_of* (naive UTC), in each client's working time;
    from *timelines* (each client's mail threaded as of *as_of*) when given."""
    since = as_of - timedelta(days=config.waiting.days)
    questions: list[WaitingQuestion] = []
    replies: list[WaitingReply] = []
    for name, mails in found.items():
        s = _settings(config, name)
        card = cards.get(name)
        habitual = card is not None and card.sign("everything_urgent").fired
        # only what can matter is threaded: the lists' own days, and a margin before them
        # for the threads they continue
        known: Sequence[Mail] | Timeline = (
            timelines[name]
            if timelines is not None
            else [m for m in mails if since - LOOKBACK_MARGIN <= m.date < as_of]
        )
        questions += waiting_questions(
            name, known, s.wt, as_of, since, config.waiting.after_working_hours
        )
        replies += waiting_replies(name, known, s.wt, as_of, since, habitual)
    return combine(questions, replies)


def waiting_on(config: Config, store: Store, now: datetime) -> WaitingOn:
    """The "waiting on" lists as of *now* (aware, or naive UTC), for ``inboxwatch waiting``."""
    end = _naive_utc(now) if now.tzinfo is not None else now
    window = Window(end - timedelta(days=config.report.window_days), end)
    start = min(window.start, end - timedelta(days=config.waiting.days))
    found = load_mails(store, start - LOOKBACK_MARGIN, end)
    cards = {
        name: _score(name, mails, window, _settings(config, name)) for name, mails in found.items()
    }
    return _waiting(config, found, cards, end)


def pending_reply_suggestions(config: Config, store: Store, now: datetime) -> list[ReplySuggestion]:
    """Reply-time suggestions for the client messages of the last few days that have no
    reply yet, as of *now* (aware, or naive UTC). Works whether or not the feature is
    enabled in the config: the caller decides."""
    end = _naive_utc(now) if now.tzinfo is not None else now
    days = config.report.window_days
    window = Window(end - timedelta(days=days), end)
    found = load_mails(store, window.start - LOOKBACK_MARGIN, end)
    result: list[ReplySuggestion] = []
    for name, mails in found.items():
        s = _settings(config, name)
        card = _score(name, mails, window, s)
        result += _reply_suggestions(mails, card, s, end - REPLY_LOOKBACK)
    return sorted(result, key=lambda r: r.reply_after)


def demo_report_text(config: Config, store: Store) -> str:
    """The text report as of the newest stored message's day (the demo mailbox is fixed in
    time, so "today" would find nothing)."""
    day = latest_message_day(config, store)
    if day is None:
        return "No messages are stored yet, so there is nothing to report.\n"
    return render_text(build_report(config, store, day))
