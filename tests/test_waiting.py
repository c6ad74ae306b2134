""" "Waiting on": unanswered questions (in the client's working time) and client mail
awaiting an answer (with the reply suggestion); both update as answers arrive, and appear
in the report (text, JSON, HTML), the alert mail and `inboxwatch waiting`."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest

from inboxwatch.analysis.waiting import (
    combine,
    needs_no_answer,
    waiting_questions,
    waiting_replies,
)
from inboxwatch.hours import WorkingTime
from inboxwatch.reporting.render import json_waiting, render_html, render_json, render_text
from tests.test_report import build
from tests.tools.mails import BUDAPEST, OFFICE, at, mail
from tests.tools.service_env import run_cli

LONG_WEEK = WorkingTime(
    tz=BUDAPEST, start=time(8), end=time(20), days=frozenset(range(7))
)  # a client who works every day 08-20
SINCE = datetime(2026, 10, 1)


# Friday 13 Nov 2026, 16:00: Anna asks; Monday 16 Nov 09:30 the client writes a short note
# about something else (a new thread with real content would count as the answer); the
# answer to the question comes Monday 11:00.
QUESTION = mail(1, "out", at(13, 16), "Logo", "Could you send the logo files?", "q1@a")
OTHER = mail(2, "in", at(16, 9, 30), "Invoice", "Invoice again pls", "c2@x", words=3, urgent=True)
ANSWER = mail(3, "in", at(16, 11), "Re: Logo", "Here they are.", "c3@x", reply_to="q1@a")
MY_REPLY = mail(4, "out", at(16, 12), "Re: Invoice", "Sent again.", "r4@a", reply_to="c2@x")


def test_a_question_waits_in_the_clients_working_time() -> None:
    mails = [QUESTION, OTHER]
    office = waiting_questions("Acme", mails, OFFICE, at(16, 10), SINCE, 1.0)
    assert [(q.message_id, round(q.working_hours, 2)) for q in office] == [(1, 2.0)]
    # Friday 16-20, Saturday and Sunday 08-20, Monday 08-10: 30 of the client's hours
    every_day = waiting_questions("Acme", mails, LONG_WEEK, at(16, 10), SINCE, 16.0)
    assert [round(q.working_hours, 2) for q in every_day] == [30.0]
    assert waiting_questions("Acme", mails, OFFICE, at(16, 10), SINCE, 16.0) == []
    assert round(every_day[0].calendar_hours, 2) == 66.0


def test_both_lists_update_as_answers_arrive() -> None:
    before = [QUESTION, OTHER, ANSWER, MY_REPLY]
    assert [
        q.message_id for q in waiting_questions("Acme", before, OFFICE, at(16, 10, 30), SINCE, 1.0)
    ] == [1]
    assert waiting_questions("Acme", before, OFFICE, at(16, 11, 30), SINCE, 1.0) == []
    waiting = waiting_replies("Acme", before, OFFICE, at(16, 11, 30), SINCE, False)
    assert [(r.message_id, r.suggestion.keyword) for r in waiting] == [
        (2, "$iw_reply_now"),
        (3, "$iw_reply_later"),
    ]
    assert round(waiting[0].working_hours, 2) == 2.0
    assert "promptly" in waiting[0].suggestion.reason
    # the client's answer (#3) is mail to answer too; my reply to #2 takes #2 off
    assert [
        r.message_id for r in waiting_replies("Acme", before, OFFICE, at(16, 12, 30), SINCE, False)
    ] == [3]


def test_unanswered_messages_of_one_conversation_are_one_item() -> None:
    """ "done?", "Re: done?", "Re: done?": one item from the first, counting three, with the
    soonest suggestion among them (the last one is urgent)."""
    asked = mail(11, "in", at(12, 16, 10), "done?", "done?", "d1@x", words=1)
    again = mail(12, "in", at(12, 16, 12), "Re: done?", "??", "d2@x", reply_to="d1@x", words=0)
    third = mail(
        13, "in", at(13, 10, 45), "Re: done?", "need it now", "d3@x", reply_to="d2@x", urgent=True
    )
    other = mail(14, "in", at(13, 9), "Logo", "Here is the new logo brief.", "l1@x")
    mails = [asked, again, third, other]
    waiting = waiting_replies("Acme", mails, OFFICE, at(13, 11), SINCE, False)
    assert [(r.message_id, r.messages, r.latest_message_id) for r in waiting] == [
        (11, 3, 13),
        (14, 1, 14),
    ]
    assert waiting[0].suggestion.message_id == 13  # urgent: answer it promptly
    assert round(waiting[0].working_hours, 2) == 2.83  # Thursday 16:10-17, Friday 9-11
    text = render_text(replace(build(), waiting=combine([], waiting)))
    assert "#11 Acme: “done?” and 2 more up to #13 received 2026-11-12 16:10" in text
    # my reply ends the conversation's wait; the client's next message starts a new one
    mine = mail(15, "out", at(13, 11, 30), "Re: done?", "Attached.", "m1@a", reply_to="d3@x")
    later = mail(16, "in", at(13, 12), "Re: done?", "and the 2nd?", "d4@x", reply_to="m1@a")
    after = waiting_replies("Acme", [*mails, mine, later], OFFICE, at(13, 13), SINCE, False)
    assert [(r.message_id, r.messages) for r in after] == [(14, 1), (16, 1)]


def _report_with_waiting() -> tuple[dict[str, object], str, str]:
    mails = [QUESTION, OTHER]
    waiting = combine(
        waiting_questions("Acme", mails, OFFICE, at(16, 10), SINCE, 1.0),
        waiting_replies("Acme", mails, OFFICE, at(16, 10), SINCE, True),
    )
    report = replace(build(), waiting=waiting)
    return render_json(report), render_text(report), render_html(report)[0]


def test_the_report_has_a_waiting_section_in_every_format() -> None:
    data, text, page = _report_with_waiting()
    waiting = data["waiting"]
    assert isinstance(waiting, dict)
    assert [q["message_id"] for q in waiting["questions"]] == [1]
    assert waiting["questions"][0]["asked_at"] == "2026-11-13T15:00:00Z"
    assert waiting["replies"][0]["suggestion"]["keyword"] == "$iw_reply_later"
    assert "Waiting on" in text
    assert "#1 Acme: “Logo” asked 2026-11-13 16:00, waiting 2.0 working h" in text
    assert "#2 Acme: “Invoice” received 2026-11-16 09:30 (0.5 working h); reply after" in text
    assert "<h2" in page and "Waiting on" in page and "Could you" not in page
    assert "&lt;" not in json.dumps(waiting)


def test_the_report_without_anything_waiting_has_no_section() -> None:
    report = build()
    assert "Waiting on" not in render_text(report)
    assert "Waiting on" not in render_html(report)[0]
    assert render_json(report)["waiting"] == {"questions": [], "replies": []}
    assert json_waiting(report.waiting) == {"questions": [], "replies": []}


ACKNOWLEDGEMENTS = [
    "Thanks!",
    "Thank you so much, Anna!",
    "OK, got it",
    "Perfect, thanks!\nPeter",
    "Hi Anna, thanks for the quick fix!",
    "Brilliant, thank you Anna.\n\nMark",
    "\U0001f44d",
    "Köszönöm, megkaptam!",
    "Szia Anna,\nköszi szépen, rendben!",
    "Köszönöm szépen a gyors választ!",
    "Rendben, mehet. Üdv, Péter",
]
TO_ANSWER = [
    "Thanks, can you send the invoice?",
    "Thanks, send the invoice too",
    "Thanks for the draft, but the colours are wrong.",
    "Thanks for the draft, please change the title",
    "Thanks for nothing.",
    "OK, call me",
    "Yes please",
    "No.",
    "Not good.",
    "Here they are.",
    "Great, I'll review it Monday and send comments",
    "Köszi a tervet, de nem ez kell.",
    "Köszi, de a logó még mindig rossz.",
    "Rendben, holnap hívlak.",
    "Jó napot! Kérem a számlát.",
    "",
]


@pytest.mark.parametrize("text", ACKNOWLEDGEMENTS)
def test_an_acknowledgement_needs_no_answer(text: str) -> None:
    assert needs_no_answer(mail(1, "in", at(16, 10), "Re: Logo", text, words=2))


@pytest.mark.parametrize("text", TO_ANSWER)
def test_anything_more_than_an_acknowledgement_needs_an_answer(text: str) -> None:
    assert not needs_no_answer(mail(1, "in", at(16, 10), "Re: Logo", text, words=2))


def test_a_tagged_or_attached_thank_you_still_needs_an_answer() -> None:
    thanks = mail(1, "in", at(16, 10), "Re: Logo", "Thanks!", words=1)
    assert not needs_no_answer(replace(thanks, urgent=True))
    assert not needs_no_answer(replace(thanks, complaint=True))
    assert not needs_no_answer(replace(thanks, attachments=("brief.pdf",)))


def test_a_thank_you_is_not_mail_waiting_for_an_answer() -> None:
    """Before: "Thanks!" after my reply was listed as waiting (and got a reply suggestion
    in the report) until I answered the thank-you."""
    thanks = mail(5, "in", at(16, 13), "Re: Invoice", "Thanks, Anna!", "c5@x", reply_to="r4@a")
    mails = [QUESTION, OTHER, ANSWER, MY_REPLY, thanks]
    waiting = waiting_replies("Acme", mails, OFFICE, at(16, 15), SINCE, False)
    assert [r.message_id for r in waiting] == [3]  # "Here they are." still waits
    # an acknowledgement among other unanswered mail of a conversation is not counted
    more = mail(
        6, "in", at(16, 14), "Re: Invoice", "And the VAT number is wrong.", "c6@x", reply_to="c5@x"
    )
    waiting = waiting_replies("Acme", [*mails, more], OFFICE, at(16, 15), SINCE, False)
    assert [(r.message_id, r.messages) for r in waiting] == [(3, 1), (6, 1)]


def test_inboxwatch_waiting_on_the_sample_mailbox(tmp_path: Path) -> None:
    """`inboxwatch waiting` through the CLI, on the bundled sample imported for real; the
    sample ends on 2026-11-13, so the lists look back far enough to reach it."""
    import io

    from inboxwatch.app.demo import demo_config_text, run_demo
    from inboxwatch.app.report_commands import report_command, waiting_command

    db = tmp_path / "demo.db"
    assert run_demo(db, io.StringIO()) == 0
    sample = demo_config_text(db)
    config = tmp_path / "inboxwatch.toml"
    sample = re.sub(r"(?m)^url = .*$", f'url = "sqlite:///{db}"', sample, count=1)
    config.write_text(sample.replace("[me]", "[waiting]\ndays = 3650\n\n[me]", 1), encoding="utf-8")
    config.chmod(0o600)
    result = run_cli(config, "waiting", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    pixel = [q for q in data["questions"] if q["client"] == "Pixel & Co"]
    assert pixel and all(q["working_hours"] > 16 for q in pixel)
    # Pixel & Co's "done?" (#184) and its two "Re: done?" are one item
    done = [r for r in data["replies"] if r["latest_message_id"] == 188]
    assert [(r["message_id"], r["messages"]) for r in done] == [(184, 3)]
    assert done[0]["suggestion"]["reply_after"]
    # Green Leaf's "Brilliant, thank you Anna." (#176) waits for nothing
    assert 176 not in {r["message_id"] for r in data["replies"]}
    from inboxwatch.config import load_config

    loaded = load_config(config)
    text = io.StringIO()
    waiting_command(loaded, "text", text)
    assert text.getvalue().startswith("Waiting on\n")
    day_report = io.StringIO()
    report_command(loaded, "text", date(2026, 11, 13), False, day_report)
    section = day_report.getvalue().split("Waiting on\n", 1)[1]
    assert "#184 Pixel & Co: “done?” and 2 more up to #188 received 2026-11-12 16:10" in section
    assert "#176" not in day_report.getvalue()  # nor has it a reply suggestion
