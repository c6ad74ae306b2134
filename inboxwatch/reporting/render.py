"""The daily report: its values and its renderings (text, JSON, HTML e-mail, alert message).

Pure: :mod:`inboxwatch.reporting.build` gathers the scorecards from the database and the decisions
about each client (:func:`inboxwatch.analysis.scoring.client_report`: trend, flagged, suggestions);
everything here only turns values into text, dicts, PNG bytes and an
:class:`~email.message.EmailMessage`.

The JSON rendering is a stable interface, documented in ``docs/report-schema.md``; bump
:data:`SCHEMA_VERSION` on any incompatible change. Everything taken from mail (subjects,
client names) is HTML-escaped in the HTML rendering, which references no external resource:
its charts travel inside the message as ``cid:`` parts. Control and format characters are
scrubbed from every line of the text rendering and from everything the HTML and the JSON
evidence show (:func:`inboxwatch.text.scrub_controls`), even though headers are scrubbed
when they are decoded: mail stored by an older version still holds them.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from zoneinfo import ZoneInfo

from inboxwatch.analysis.reply_timing import ReplySuggestion
from inboxwatch.analysis.scoring import (
    SIGNS,
    ClientReport,
    DayChange,
    Evidence,
    ParetoRow,
    Scorecard,
    Sign,
    Suggestion,
    Trend,
    Window,
)
from inboxwatch.analysis.waiting import WaitingOn, WaitingReply
from inboxwatch.reporting.charts import score_volume_chart
from inboxwatch.text import scrub_controls

__all__ = [
    "SCHEMA_VERSION",
    "Report",
    "alert_email",
    "alert_subject",
    "changes_line",
    "chart_cid",
    "format_value",
    "headline",
    "render_html",
    "render_json",
    "render_text",
]

SCHEMA_VERSION = 1
TEXT_EVIDENCE = 3  # evidence lines per sign in the text report
HTML_EVIDENCE = 5  # and in the HTML mail (the JSON has all of it)
_UNITS = {sign.name: sign.unit for sign in SIGNS}
_TITLES = {sign.name: sign.title for sign in SIGNS}


@dataclass(frozen=True)
class Report:
    """The report for *day*: one entry per client, most worrying first."""

    day: date
    window: Window
    window_days: int
    timezone: str
    alert_threshold: float
    min_messages: int
    clients: tuple[ClientReport, ...]
    reply_suggestions: tuple[ReplySuggestion, ...] = ()
    waiting: WaitingOn = field(default_factory=WaitingOn)

    @property
    def flagged(self) -> tuple[ClientReport, ...]:
        """The clients at or over the alert threshold."""
        return tuple(c for c in self.clients if c.flagged)

    def fingerprint(self) -> str:
        """A digest of who is flagged, with which score and signs; the date is left out, so
        equal fingerprints on two days mean the alert would say the same thing."""
        state = [[c.name, c.score, sorted(s.name for s in c.card.fired)] for c in self.flagged]
        return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]

    def changed(self, previous: Report | str | None) -> bool:
        """Whether the alert differs from *previous* (a report or its fingerprint); True when
        there is no previous one."""
        if previous is None:
            return True
        before = previous if isinstance(previous, str) else previous.fingerprint()
        return before != self.fingerprint()


# --- formatting helpers -------------------------------------------------------------------


def _local(when: datetime, tz: str) -> datetime:
    return when.replace(tzinfo=UTC).astimezone(ZoneInfo(tz))


def _iso_utc(when: datetime) -> str:
    return when.replace(microsecond=0).isoformat() + "Z"


def format_value(name: str, value: float) -> str:
    """A sign's value in its unit: ``58%``, ``2.3/working day``, ``18.5 working h``, ``4``."""
    unit = _UNITS.get(name, "")
    if unit == "share":
        return f"{value:.0%}"
    if unit == "per working day":
        return f"{value:.1f}/working day"
    if unit == "working hours":
        return f"{value:.1f} working h"
    return f"{value:g}"


def _signed(delta: float) -> str:
    return f"{delta:+g}"


def _suggestion_text(suggestion: Suggestion, language: str) -> str:
    return suggestion.text_hu if language == "hu" else suggestion.text


def _trend_phrase(client: ClientReport) -> str:
    trend = client.trend
    phrase = f"previous window {trend.previous_score:g} ({_signed(trend.delta)})"
    change = client.since_yesterday
    if change is not None:
        phrase += f"; since yesterday {_signed(change.delta)}"
        if change.newly_fired:
            phrase += f", new: {', '.join(change.newly_fired)}"
        if change.no_longer_fired:
            phrase += f", gone: {', '.join(change.no_longer_fired)}"
    return phrase


def _reply_phrase(card: Scorecard) -> str:
    if card.my_median_reply_hours is None:
        return ""
    return f"; you replied in a median {card.my_median_reply_hours:g} working h"


def _evidence_line(item: Evidence, tz: str) -> str:
    note = f" — {item.note}" if item.note else ""
    subject = f"“{item.subject}”" if item.subject.strip() else "(no subject)"
    # message id 0: an invoice known only from the ledger, with no mail behind it
    where = f"#{item.message_id}" if item.message_id else "ledger"
    return f"{where} {_local(item.date, tz):%Y-%m-%d %H:%M} {subject}{note}"


def _latest(sign: Sign, count: int) -> tuple[Evidence, ...]:
    """The newest *count* pieces of evidence, newest first: what happened lately matters."""
    return tuple(reversed(sign.evidence[-count:]))


def _period(report: Report) -> str:
    first = _local(report.window.start, report.timezone).date()
    return (
        f"{first:%Y-%m-%d} – {report.day:%Y-%m-%d} ({report.window_days} days, {report.timezone})"
    )


# --- text ---------------------------------------------------------------------------------


def _text_sign(sign: Sign, tz: str) -> list[str]:
    lines = [
        f"  [+{sign.weight:g}] {sign.name}: {sign.explanation} "
        f"(value {format_value(sign.name, sign.value)}, "
        f"threshold {format_value(sign.name, sign.threshold)})"
    ]
    lines += [f"        {_evidence_line(e, tz)}" for e in _latest(sign, TEXT_EVIDENCE)]
    if len(sign.evidence) > TEXT_EVIDENCE:
        lines.append(f"        … and {len(sign.evidence) - TEXT_EVIDENCE} earlier")
    return lines


def _text_client(client: ClientReport, report: Report, language: str) -> list[str]:
    card, tz = client.card, report.timezone
    flag = "  ⚠ needs attention" if client.flagged else ""
    lines = [
        f"== {client.name} — score {card.score:g}{flag}",
        f"   {_trend_phrase(client)}",
        f"   messages: {card.incoming} from them, {card.outgoing} from you{_reply_phrase(card)}",
    ]
    if not card.enough_data and card.incoming:
        lines.append(f"   (too few messages to judge: signs need {report.min_messages})")
    for sign in card.fired:
        lines += _text_sign(sign, tz)
    quiet = [f"{s.name} {format_value(s.name, s.value)}" for s in card.signs if not s.fired]
    if quiet and card.incoming:
        lines.append(f"   not fired: {', '.join(quiet)}")
    lines += [f"   → {_suggestion_text(s, language)}" for s in client.suggestions]
    return [*lines, ""]


def _paid_late(row: ParetoRow) -> str:
    days = row.paid_late_days
    return "" if days is None else f"paid late: {days:.0f} days on average"


def _pareto_rows(report: Report) -> list[tuple[str, str, str, str, str, str, str]]:
    rows = []
    for client in sorted(report.clients, key=lambda c: -c.pareto.revenue_share):
        row = client.pareto
        rows.append(
            (
                client.name,
                f"{row.monthly_revenue:g}",
                f"{row.revenue_share:.0%}",
                f"{row.message_share:.0%}",
                f"{row.attention_share:.0%}",
                "small share of revenue, big share of attention" if row.stands_out else "",
                _paid_late(row),
            )
        )
    return rows


def _text_pareto(report: Report) -> list[str]:
    lines = [
        "Pareto — revenue against attention",
        f"  {'client':<24}{'revenue/mo':>11}{'revenue':>9}{'messages':>10}{'writing':>9}",
    ]
    for name, revenue, rev, msg, att, note, paid_late in _pareto_rows(report):
        mark = "; ".join(part for part in (note, paid_late) if part)
        mark = f"  ← {mark}" if mark else ""
        lines.append(f"  {name[:23]:<24}{revenue:>11}{rev:>9}{msg:>10}{att:>9}{mark}")
    return [*lines, ""]


def _text_replies(report: Report) -> list[str]:
    if not report.reply_suggestions:
        return []
    lines = ["Reply-time suggestions"]
    for item in report.reply_suggestions:
        lines.append(
            f"  #{item.message_id} {item.client}: after "
            f"{item.reply_after:%Y-%m-%d %H:%M} — {item.reason}"
        )
    return [*lines, ""]


def _hours(value: float) -> str:
    return f"{value:.1f} working h" if value < 100 else f"{value:.0f} working h"


def waiting_lines(waiting: WaitingOn, tz: str) -> list[str]:
    """The "waiting on" lists as text (also ``inboxwatch waiting``); [] when both are empty."""
    if not waiting:
        return []
    lines = ["Waiting on"]
    if waiting.questions:
        lines.append("  Your questions without an answer:")
        lines += [
            f"    #{q.message_id} {q.client}: “{q.subject}” asked "
            f"{_local(q.asked_at, tz):%Y-%m-%d %H:%M}, waiting {_hours(q.working_hours)}"
            for q in waiting.questions
        ]
    if waiting.replies:
        lines.append("  Client mail waiting for your answer:")
        lines += [
            f"    #{r.message_id} {r.client}: “{r.subject}”{_more(r)} received "
            f"{_local(r.received_at, tz):%Y-%m-%d %H:%M} ({_hours(r.working_hours)}); "
            f"reply after "
            f"{r.suggestion.reply_after.astimezone(ZoneInfo(tz)):%a %Y-%m-%d %H:%M}"
            for r in waiting.replies
        ]
    return [*lines, ""]


def _more(reply: WaitingReply) -> str:
    """ " and 2 more up to #188" after a conversation's first unanswered message."""
    if reply.messages <= 1:
        return ""
    return f" and {reply.messages - 1} more up to #{reply.latest_message_id}"


def changes_line(report: Report) -> str:
    """One line: whose score or signs changed since yesterday ("" when nobody's did)."""
    parts = []
    for client in report.clients:
        change = client.since_yesterday
        if change is None or not change.changed:
            continue
        detail = [f"new: {', '.join(change.newly_fired)}"] if change.newly_fired else []
        if change.no_longer_fired:
            detail.append(f"gone: {', '.join(change.no_longer_fired)}")
        extra = f" ({'; '.join(detail)})" if detail else ""
        parts.append(f"{client.name} {_signed(change.delta)}{extra}")
    return f"Since yesterday: {', '.join(parts)}" if parts else ""


def headline(report: Report) -> str:
    """One line: who needs attention."""
    if not report.flagged:
        return "No client needs attention."
    names = ", ".join(f"{c.name} ({c.score:g})" for c in report.flagged)
    return f"Needs attention: {names}"


def render_text(report: Report, language: str = "en") -> str:
    """The plain-text report (also the text part of the alert e-mail). *language* "hu"
    gives the suggestions in Hungarian."""
    lines = [
        f"inboxwatch report for {report.day:%Y-%m-%d}",
        f"Window: {_period(report)}; a client is flagged at score "
        f"{report.alert_threshold:g}, signs need {report.min_messages} messages.",
        "",
        headline(report),
    ]
    changes = changes_line(report)
    lines += [changes, ""] if changes else [""]
    for client in report.clients:
        lines += _text_client(client, report, language)
    lines += _text_pareto(report) + _text_replies(report)
    lines += waiting_lines(report.waiting, report.timezone)
    return "\n".join(scrub_controls(line) for line in lines).rstrip() + "\n"


# --- JSON ---------------------------------------------------------------------------------


def _json_evidence(item: Evidence) -> dict[str, Any]:
    return {
        "message_id": item.message_id,
        "date": _iso_utc(item.date),
        "subject": scrub_controls(item.subject),
        "note": item.note,
    }


def _json_sign(sign: Sign) -> dict[str, Any]:
    return {
        "name": sign.name,
        "title": _TITLES.get(sign.name, sign.name),
        "value": sign.value,
        "threshold": sign.threshold,
        "weight": sign.weight,
        "fired": sign.fired,
        "unit": _UNITS.get(sign.name, ""),
        "explanation": sign.explanation,
        "measures": {k: round(v, 4) for k, v in sorted(sign.measures.items())},
        "evidence": [_json_evidence(e) for e in sign.evidence],
    }


def _json_trend(trend: Trend) -> dict[str, Any]:
    return {
        "previous_score": trend.previous_score,
        "delta": trend.delta,
        "signs": [
            {
                "name": s.name,
                "previous_value": s.previous_value,
                "value": s.value,
                "delta": s.delta,
                "previous_fired": s.previous_fired,
                "fired": s.fired,
            }
            for s in trend.signs
        ],
    }


def _json_day_change(change: DayChange | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "previous_score": change.previous_score,
        "delta": change.delta,
        "newly_fired": list(change.newly_fired),
        "no_longer_fired": list(change.no_longer_fired),
        "source": change.source,
    }


def _json_client(client: ClientReport) -> dict[str, Any]:
    card, row = client.card, client.pareto
    return {
        "name": client.name,
        "score": card.score,
        "flagged": client.flagged,
        "enough_data": card.enough_data,
        "incoming": card.incoming,
        "outgoing": card.outgoing,
        "my_median_reply_hours": card.my_median_reply_hours,
        "trend": _json_trend(client.trend),
        "since_yesterday": _json_day_change(client.since_yesterday),
        "monthly_revenue": row.monthly_revenue,
        "revenue_share": row.revenue_share,
        "message_share": row.message_share,
        "attention_share": row.attention_share,
        "writing_minutes": row.writing_minutes,
        "pareto_stands_out": row.stands_out,
        "paid_late_days": row.paid_late_days,
        "signs": [_json_sign(s) for s in card.signs],
        "fired": [s.name for s in card.fired],
        "suggestions": [
            {"sign": s.sign, "text": s.text, "text_hu": s.text_hu} for s in client.suggestions
        ],
        "daily": [
            {"day": p.day.isoformat(), "score": p.score, "messages": p.messages}
            for p in client.daily
        ],
    }


def _json_reply(item: ReplySuggestion) -> dict[str, Any]:
    return {
        "message_id": item.message_id,
        "client": item.client,
        "reply_after": item.reply_after.isoformat(),
        "reason": item.reason,
        "keyword": item.keyword,
    }


def json_waiting(waiting: WaitingOn) -> dict[str, Any]:
    """The "waiting on" lists as JSON (the report's ``waiting``, and ``waiting --format
    json``)."""
    return {
        "questions": [
            {
                "message_id": q.message_id,
                "client": q.client,
                "subject": q.subject,
                "asked_at": _iso_utc(q.asked_at),
                "working_hours": round(q.working_hours, 2),
                "calendar_hours": round(q.calendar_hours, 2),
            }
            for q in waiting.questions
        ],
        "replies": [
            {
                "message_id": r.message_id,
                "client": r.client,
                "subject": r.subject,
                "received_at": _iso_utc(r.received_at),
                "working_hours": round(r.working_hours, 2),
                "suggestion": _json_reply(r.suggestion),
                "messages": r.messages,
                "latest_message_id": r.latest_message_id,
            }
            for r in waiting.replies
        ],
    }


def render_json(report: Report) -> dict[str, Any]:
    """The report as a JSON-ready dict (schema: ``docs/report-schema.md``)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "day": report.day.isoformat(),
        "timezone": report.timezone,
        "window": {
            "start": _iso_utc(report.window.start),
            "end": _iso_utc(report.window.end),
            "days": report.window_days,
        },
        "alert_threshold": report.alert_threshold,
        "min_messages": report.min_messages,
        "flagged": [c.name for c in report.flagged],
        "fingerprint": report.fingerprint(),
        "clients": [_json_client(c) for c in report.clients],
        "reply_suggestions": [_json_reply(r) for r in report.reply_suggestions],
        "waiting": json_waiting(report.waiting),
    }


# --- HTML ---------------------------------------------------------------------------------


def _E(text: str) -> str:
    """*text* HTML-escaped, without control and format characters."""
    return html.escape(scrub_controls(text))


_BODY = (
    "margin:0;padding:0;background:#f4f4f4;font-family:-apple-system,Segoe UI,Roboto,"
    "Helvetica,Arial,sans-serif;color:#222;font-size:15px;line-height:1.45"
)
_CARD = "background:#fff;border-radius:6px;padding:14px 16px;margin:0 0 14px 0"
_FLAG = "border-left:4px solid #c0392b"
_MUTED = "color:#666;font-size:13px"
_CELL = "padding:3px 6px;border-bottom:1px solid #eee;text-align:right"


def chart_cid(index: int) -> str:
    """The Content-ID (without angle brackets) of the *index*-th flagged client's chart."""
    return f"chart-{index}@inboxwatch"


def _html_evidence(sign: Sign, tz: str) -> str:
    items = [f"<li>{_E(_evidence_line(e, tz))}</li>" for e in _latest(sign, HTML_EVIDENCE)]
    if len(sign.evidence) > HTML_EVIDENCE:
        items.append(f"<li>… and {len(sign.evidence) - HTML_EVIDENCE} earlier</li>")
    return f'<ul style="margin:4px 0 8px 0;padding-left:18px;{_MUTED}">{"".join(items)}</ul>'


def _html_sign(sign: Sign, tz: str) -> str:
    title = _E(_TITLES.get(sign.name, sign.name))
    return (
        f'<p style="margin:8px 0 0 0"><b>+{sign.weight:g} {title}</b> '
        f'<span style="{_MUTED}">({_E(sign.name)}: '
        f"{_E(format_value(sign.name, sign.value))}, threshold "
        f"{_E(format_value(sign.name, sign.threshold))})</span><br>"
        f"{_E(sign.explanation)}</p>{_html_evidence(sign, tz)}"
    )


def _html_chart(client: ClientReport, cid: str) -> str:
    days = len(client.daily)
    busiest = max((p.messages for p in client.daily), default=0)
    return (
        f'<img src="cid:{_E(cid)}" width="300" height="100" '
        f'alt="Score and messages per day for {_E(client.name)}" '
        'style="display:block;max-width:100%;height:auto;margin:10px 0 2px 0">'
        f'<p style="margin:0;{_MUTED}">Last {days} days: red line = score (0–100, '
        f"dashed = alert threshold), blue bars = messages per day (busiest day: "
        f"{busiest}).</p>"
    )


def _html_client(client: ClientReport, tz: str, cid: str | None, language: str) -> str:
    card = client.card
    style = f"{_CARD};{_FLAG}" if client.flagged else _CARD
    parts = [
        f'<div style="{style}"><h2 style="margin:0;font-size:18px">{_E(client.name)} '
        f'<span style="color:#c0392b">{card.score:g}</span></h2>',
        f'<p style="margin:2px 0;{_MUTED}">{_E(_trend_phrase(client))}<br>'
        f"{card.incoming} messages from them, {card.outgoing} from you"
        f"{_E(_reply_phrase(card))}</p>",
    ]
    if cid is not None:
        parts.append(_html_chart(client, cid))
    parts += [_html_sign(s, tz) for s in card.fired]
    if client.suggestions:
        tips = "".join(f"<li>{_E(_suggestion_text(s, language))}</li>" for s in client.suggestions)
        parts.append(
            f'<p style="margin:8px 0 0 0"><b>What to do</b></p>'
            f'<ul style="margin:4px 0;padding-left:18px">{tips}</ul>'
        )
    return "".join(parts) + "</div>"


def _html_pareto(report: Report) -> str:
    head = "".join(
        f'<th style="{_CELL}">{h}</th>' for h in ("client", "revenue", "messages", "writing")
    )
    rows = []
    for name, _revenue, rev, msg, att, note, paid_late in _pareto_rows(report):
        mark = ' style="background:#fdecea"' if note else ""
        late = f'<br><span style="{_MUTED}">{_E(paid_late)}</span>' if paid_late else ""
        rows.append(
            f'<tr{mark}><td style="{_CELL};text-align:left">{_E(name)}{late}</td>'
            f'<td style="{_CELL}">{rev}</td><td style="{_CELL}">{msg}</td>'
            f'<td style="{_CELL}">{att}</td></tr>'
        )
    return (
        f'<div style="{_CARD}"><h2 style="margin:0 0 6px 0;font-size:16px">Pareto: '
        "revenue against attention</h2>"
        f'<table style="border-collapse:collapse;width:100%;font-size:13px">'
        f"<tr>{head}</tr>{''.join(rows)}</table>"
        f'<p style="margin:6px 0 0 0;{_MUTED}">Shares of revenue (from your config), of '
        "incoming messages and of your estimated writing time. Highlighted: a small "
        "share of revenue taking a big share of attention.</p></div>"
    )


def _html_replies(report: Report) -> str:
    if not report.reply_suggestions:
        return ""
    items = "".join(
        f"<li><b>#{r.message_id} {_E(r.client)}</b>: after "
        f"{r.reply_after:%a %H:%M} — {_E(r.reason)}</li>"
        for r in report.reply_suggestions
    )
    return (
        f'<div style="{_CARD}"><h2 style="margin:0 0 6px 0;font-size:16px">When to '
        f'reply</h2><ul style="margin:0;padding-left:18px">{items}</ul></div>'
    )


def _html_waiting(report: Report) -> str:
    waiting, tz = report.waiting, report.timezone
    if not waiting:
        return ""
    parts = []
    if waiting.questions:
        items = "".join(
            f"<li><b>#{q.message_id} {_E(q.client)}</b>: “{_E(q.subject)}” asked "
            f"{_local(q.asked_at, tz):%a %d %b %H:%M}, waiting {_hours(q.working_hours)}</li>"
            for q in waiting.questions
        )
        parts.append(
            f'<p style="margin:4px 0">Your questions without an answer</p>'
            f'<ul style="margin:0;padding-left:18px">{items}</ul>'
        )
    if waiting.replies:
        items = "".join(
            f"<li><b>#{r.message_id} {_E(r.client)}</b>: “{_E(r.subject)}”{_more(r)} received "
            f"{_local(r.received_at, tz):%a %d %b %H:%M}; reply after "
            f"{r.suggestion.reply_after.astimezone(ZoneInfo(tz)):%a %d %b %H:%M}</li>"
            for r in waiting.replies
        )
        parts.append(
            f'<p style="margin:4px 0">Client mail waiting for your answer</p>'
            f'<ul style="margin:0;padding-left:18px">{items}</ul>'
        )
    return (
        f'<div style="{_CARD}"><h2 style="margin:0 0 6px 0;font-size:16px">Waiting on'
        f"</h2>{''.join(parts)}</div>"
    )


def _charts(report: Report) -> dict[str, bytes]:
    return {
        chart_cid(i): score_volume_chart(
            [p.score for p in c.daily],
            [p.messages for p in c.daily],
            threshold=report.alert_threshold,
        )
        for i, c in enumerate(report.flagged)
        if c.daily
    }


def render_html(report: Report, language: str = "en") -> tuple[str, dict[str, bytes]]:
    """The alert e-mail's HTML (single column, inline CSS, at most 600px wide, no external
    resources) and its PNG charts keyed by Content-ID, referenced as ``cid:…``."""
    images = _charts(report)
    cids = {c.name: chart_cid(i) for i, c in enumerate(report.flagged)}
    ordered = [*report.flagged, *(c for c in report.clients if not c.flagged)]
    cards = "".join(
        _html_client(
            c, report.timezone, cids.get(c.name) if cids.get(c.name) in images else None, language
        )
        for c in ordered
        if c.card.incoming or c.flagged
    )
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_E(alert_subject(report))}</title></head>"
        f'<body style="{_BODY}"><div style="max-width:600px;margin:0 auto;padding:12px">'
        f'<h1 style="font-size:20px;margin:4px 0">inboxwatch — {report.day:%Y-%m-%d}</h1>'
        f'<p style="margin:0 0 12px 0"><b>{_E(headline(report))}</b><br>'
        f"{_E(changes_line(report))}{'<br>' if changes_line(report) else ''}"
        f'<span style="{_MUTED}">{_E(_period(report))}</span></p>'
        f"{cards}{_html_pareto(report)}{_html_replies(report)}{_html_waiting(report)}"
        f'<p style="{_MUTED}">Sent by inboxwatch from your own mailbox data.</p>'
        "</div></body></html>"
    )
    return page, images


# --- the alert e-mail ---------------------------------------------------------------------


def alert_subject(report: Report) -> str:
    """``inboxwatch: 2 clients need attention (2026-11-13)``."""
    count = len(report.flagged)
    if count == 0:
        who = "no client needs attention"
    elif count == 1:
        who = "1 client needs attention"
    else:
        who = f"{count} clients need attention"
    return f"inboxwatch: {who} ({report.day:%Y-%m-%d})"


def alert_email(
    report: Report,
    from_addr: str,
    to_addrs: Iterable[str],
    language: str = "en",
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> EmailMessage:
    """The daily alert: multipart/alternative of the text report and a multipart/related
    HTML part with the PNG charts inline."""
    message = EmailMessage()
    message["Subject"] = alert_subject(report)
    message["From"] = from_addr
    message["To"] = ", ".join(to_addrs)
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid("inboxwatch", domain="inboxwatch.invalid")
    message.set_content(render_text(report, language))
    page, images = render_html(report, language)
    message.add_alternative(page, subtype="html")
    html_part = next(p for p in message.iter_parts() if p.get_content_type() == "text/html")
    for cid, png in images.items():
        html_part.add_related(
            png,
            maintype="image",
            subtype="png",
            cid=f"<{cid}>",
            filename=f"{cid.split('@')[0]}.png",
            disposition="inline",
        )
    return message
