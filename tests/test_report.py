"""Report renderings: text, the documented JSON, the phone-friendly HTML, PNG charts, the
alert e-mail. Reports are built from hand-made Mail values (no database needed)."""

from __future__ import annotations

import email
import email.policy
import itertools
import re
import struct
import zlib
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from inboxwatch.analysis.conversations import Mail
from inboxwatch.analysis.reply_timing import suggest_reply
from inboxwatch.analysis.scoring import (
    DailyPoint,
    Window,
    client_report,
    pareto,
    score_client,
    writing_minutes,
)
from inboxwatch.hours import WorkingTime
from inboxwatch.reporting.charts import PNG_SIGNATURE, Canvas, encode_png, score_volume_chart
from inboxwatch.reporting.render import (
    Report,
    alert_email,
    alert_subject,
    render_html,
    render_json,
    render_text,
)

BUDAPEST = ZoneInfo("Europe/Budapest")
OFFICE = WorkingTime(tz=BUDAPEST, start=time(9), end=time(17), holidays_country="HU")
DAY = date(2026, 11, 13)
WINDOW = Window(datetime(2026, 10, 14, 22), datetime(2026, 11, 13, 23))
SCHEMA_DOC = Path(__file__).resolve().parent.parent / "docs" / "report-schema.md"
EVIL = "<script>alert('x')</script> & <b>bold</b>"
_ids = itertools.count(1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    local = datetime.combine(day, time(hour, minute), tzinfo=BUDAPEST)
    return local.astimezone(UTC).replace(tzinfo=None)


def days(count: int) -> list[date]:
    found = [DAY - timedelta(days=i) for i in range(40)]
    return sorted(d for d in found if d.weekday() < 5 and d != date(2026, 10, 23))[-count:]


def inc(
    client: str,
    when: datetime,
    subject: str = "Request",
    *,
    urgent: bool = False,
    after_hours: bool = False,
) -> Mail:
    return Mail(
        id=next(_ids),
        direction="in",
        client=client,
        date=when,
        subject=subject,
        new_text="Please prepare the figures for the quarterly report",
        content_words=7,
        urgent=urgent,
        after_hours=after_hours,
    )


def mailbox() -> dict[str, list[Mail]]:
    good = [inc("Good Co", at(d, 10)) for d in days(12)]
    urgent = [
        inc(
            "Acme & Sons",
            at(d, 21),
            EVIL if i == 7 else f"URGENT {i}",
            urgent=True,
            after_hours=True,
        )
        for i, d in enumerate(days(8))
    ]
    urgent += [inc("Acme & Sons", at(d, 11)) for d in days(4)]
    sent = [
        Mail(
            id=next(_ids),
            direction="out",
            client="Acme & Sons",
            date=at(d, 12),
            new_text="Fixed it this morning, see the website",
        )
        for d in days(6)
    ]
    return {"Good Co": good, "Acme & Sons": urgent + sent}


def build(boxes: dict[str, list[Mail]] | None = None, threshold: float = 30) -> Report:
    boxes = boxes if boxes is not None else mailbox()
    cards = {n: score_client(n, m, WINDOW, OFFICE) for n, m in boxes.items()}
    rows = {
        r.client: r
        for r in pareto(
            [
                (
                    n,
                    {"Good Co": 3000.0}.get(n, 300.0),
                    cards[n].incoming,
                    writing_minutes(m for m in boxes[n] if not m.incoming),
                )
                for n in boxes
            ]
        )
    }
    clients = []
    for name, mails in boxes.items():
        daily = [
            DailyPoint(DAY - timedelta(days=i), cards[name].score * (i < 10), i % 4)
            for i in range(29, -1, -1)
        ]
        previous = score_client(name, mails, WINDOW.before(), OFFICE)
        clients.append(client_report(cards[name], previous, rows[name], daily, None, threshold))
    clients.sort(key=lambda c: -c.score)
    hints = tuple(
        suggest_reply(m[0], OFFICE, habitual_urgency=True)
        for n, m in boxes.items()
        if n == "Acme & Sons"
    )
    return Report(
        day=DAY,
        window=WINDOW,
        window_days=30,
        timezone="Europe/Budapest",
        alert_threshold=threshold,
        min_messages=5,
        clients=tuple(clients),
        reply_suggestions=hints,
    )


def test_text_report_names_the_flagged_client_signs_evidence_and_advice() -> None:
    report = build()
    assert [c.name for c in report.flagged] == ["Acme & Sons"]
    text = render_text(report)
    assert "Needs attention: Acme & Sons (40)" in text
    assert "[+25] everything_urgent" in text and "[+15] after_hours" in text
    first = report.flagged[0].card.sign("everything_urgent").evidence[-1]
    assert f"#{first.message_id} " in text
    assert 'Agree with the client what "urgent" means' in text
    assert "Pareto" in text and "Reply-time suggestions" in text
    assert "sürgős" in render_text(report, language="hu")


def _documented_keys() -> dict[str, set[str]]:
    """Object name → keys, from the '### `name` object' tables of docs/report-schema.md."""
    found: dict[str, set[str]] = {}
    current = None
    for line in SCHEMA_DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^###\s+`(\w+)`", line)
        if heading:
            current = heading.group(1)
            found[current] = set()
        elif current and (row := re.match(r"^\|\s*`(\w+)`\s*\|", line)):
            found[current].add(row.group(1))
    return found


def test_json_matches_the_documented_schema() -> None:
    data = render_json(build())
    doc = _documented_keys()
    client = data["clients"][0]
    sign = client["signs"][0]
    objects: dict[str, dict[str, Any]] = {
        "report": data,
        "window": data["window"],
        "client": client,
        "trend": client["trend"],
        "sign_change": client["trend"]["signs"][0],
        "sign": sign,
        "evidence": sign["evidence"][0],
        "suggestion": client["suggestions"][0],
        "daily": client["daily"][0],
        "reply_suggestion": data["reply_suggestions"][0],
    }
    for name, value in objects.items():
        assert set(value) == doc[name], name
    assert data["schema_version"] == 1
    assert {
        "name",
        "score",
        "trend",
        "revenue_share",
        "message_share",
        "signs",
        "suggestions",
    } <= set(client)
    assert {"name", "value", "threshold", "fired", "evidence"} <= set(sign)
    assert data["clients"][0]["signs"][0]["evidence"][0]["date"].endswith("Z")


def test_since_yesterday_object_is_documented() -> None:
    from inboxwatch.analysis.scoring import day_change
    from inboxwatch.reporting.render import _json_day_change

    card = build().clients[0].card
    change = _json_day_change(day_change(card, 10.0, ["complaints"], "history"))
    assert change is not None and set(change) == _documented_keys()["since_yesterday"]


def test_html_escapes_mail_content_and_loads_nothing_external() -> None:
    page, images = render_html(build())
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "Acme &amp; Sons" in page and "<b>bold" not in page
    assert "max-width:600px" in page and 'name="viewport"' in page
    assert not re.search(r"(?:src|href)=\"(?!cid:)", page), "only cid: references allowed"
    assert "http://" not in page and "https://" not in page and "<link" not in page
    [cid] = images
    assert f'src="cid:{cid}"' in page


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    assert png[:8] == PNG_SIGNATURE
    found, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, data = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + data)
        found.append((kind, data))
        offset += 12 + length
    return found


def test_chart_is_a_valid_png() -> None:
    png = score_volume_chart([0, 10, 40, 40, 65], [1, 0, 5, 2, 3], threshold=30)
    chunks = _chunks(png)
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (width, height, depth, colour) == (300, 100, 8, 2)
    raw = zlib.decompress(chunks[1][1])
    assert len(raw) == height * (1 + width * 3)
    assert len(set(raw)) > 3, "something was drawn"


def test_canvas_draws_what_it_is_told() -> None:
    canvas = Canvas(5, 4)
    canvas.fill_rect(1, 1, 2, 2, (0, 0, 255))
    canvas.line(0, 3, 4, 3, (255, 0, 0))
    canvas.set(99, 99, (0, 0, 0))  # clipped, not an error
    assert canvas.get(1, 1) == (0, 0, 255) and canvas.get(4, 3) == (255, 0, 0)
    assert canvas.get(0, 0) == (255, 255, 255)
    with pytest.raises(ValueError):
        encode_png(2, 2, b"\x00" * 5)
    with pytest.raises(ValueError):
        score_volume_chart([1.0], [1, 2])


def test_alert_email_has_text_and_related_html_with_inline_charts() -> None:
    report = build()
    raw = alert_email(report, "inboxwatch <iw@assist.example>", ["anna@assist.example"])
    message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "inboxwatch: 1 client needs attention (2026-11-13)"
    assert message.get_content_type() == "multipart/alternative"
    text, related = list(message.iter_parts())
    assert text.get_content_type() == "text/plain"
    assert "Needs attention" in text.get_content()
    assert related.get_content_type() == "multipart/related"
    html_part, image = list(related.iter_parts())
    assert html_part.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png"
    cid = image["Content-ID"].strip("<>")
    assert f"cid:{cid}" in html_part.get_content()
    assert image.get_content()[:8] == PNG_SIGNATURE


def test_subject_counts_and_fingerprint() -> None:
    report = build()
    acme = mailbox()["Acme & Sons"]
    twice = build({"Acme & Sons": acme, "Beta": acme})
    assert alert_subject(twice) == "inboxwatch: 2 clients need attention (2026-11-13)"
    assert twice.changed(report)
    quiet = build({"Good Co": mailbox()["Good Co"]})
    assert alert_subject(quiet) == "inboxwatch: no client needs attention (2026-11-13)"
    assert not build().changed(report) and report.changed(quiet)
    assert quiet.fingerprint() == build({"Good Co": []}).fingerprint()


def test_changes_since_yesterday_are_summarised() -> None:
    from dataclasses import replace

    from inboxwatch.analysis.scoring import day_change

    report = build()
    acme = report.flagged[0]
    changed = replace(acme, since_yesterday=day_change(acme.card, 15.0, ["complaints"], "history"))
    report = replace(report, clients=(changed, *report.clients[1:]))
    text = render_text(report)
    assert (
        "Since yesterday: Acme & Sons +25 (new: everything_urgent, after_hours; "
        "gone: complaints)" in text
    )
    assert "Since yesterday: Acme &amp; Sons +25" in render_html(report)[0]
