"""The report's shortcuts give what the plain way gives: one threading of a client's mail
shared by the scoring windows and the "waiting on" lists, the quick tests that rule out a
message before the payment phrase rules, accent folding's quick path and the asking rules."""

from __future__ import annotations

import io
import itertools
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxwatch.analysis import conversations, payments
from inboxwatch.analysis.conversations import Mail, Timeline
from inboxwatch.analysis.scoring import Window, score_windows
from inboxwatch.analysis.waiting import waiting_questions, waiting_replies
from inboxwatch.app.demo import run_demo
from inboxwatch.reporting.build import load_mails
from inboxwatch.storage.store import Store
from inboxwatch.text import _fold_table, fold
from tests.corpus.nasty import corpus
from tests.test_conversations import NIGHT_SHIFT, OFFICE, at, mailboxes


@settings(max_examples=200, deadline=None)
@given(
    mailboxes(),
    st.lists(st.integers(3, 14), min_size=1, max_size=4),
    st.integers(2, 14),
    st.integers(1, 12),
)
def test_one_timeline_serves_the_scoring_windows_and_the_waiting_lists(
    mails: list[Mail], ends: list[int], as_day: int, since_day: int
) -> None:
    as_of, since = at(as_day, 12), at(since_day, 0)
    windows = [Window(at(day, 0) - timedelta(days=3), at(day, 0)) for day in ends]
    shared = Timeline(mails, OFFICE, [*(w.end for w in windows), as_of])
    assert score_windows("Acme", shared, windows, OFFICE) == score_windows(
        "Acme", mails, windows, OFFICE
    )
    # the lists see what could be known at as_of: the mail before it, threaded on its own
    before = [m for m in mails if m.date < as_of]
    assert waiting_questions("Acme", shared, OFFICE, as_of, since, 1.0) == waiting_questions(
        "Acme", before, OFFICE, as_of, since, 1.0
    )
    assert waiting_replies("Acme", shared, OFFICE, as_of, since, False) == waiting_replies(
        "Acme", before, OFFICE, as_of, since, False
    )


def test_a_shared_timeline_must_fit_what_it_is_used_for() -> None:
    mails = [Mail(1, "out", "Acme", at(3, 10), "Logo", "q@a", new_text="Could you send it?")]
    timeline = Timeline(mails, OFFICE, [at(5, 0)])
    assert Timeline.of(timeline, OFFICE, [at(5, 0)]) is timeline
    with pytest.raises(ValueError, match="not threaded"):
        waiting_questions("Acme", timeline, OFFICE, at(2, 0), datetime.min, 1.0)
    with pytest.raises(ValueError, match="another working time"):
        waiting_questions("Acme", timeline, NIGHT_SHIFT, at(5, 0), datetime.min, 1.0)


# --- the payment prefilters ---------------------------------------------------------------

DATA = Path(__file__).resolve().parent.parent / "data"


def _corpus_texts() -> list[tuple[str, str]]:
    """(subject, text) of the labelled and the real mail in data/, and of the broken and
    hostile test messages (their raw bytes read as text)."""
    texts = []
    for path in sorted([*DATA.glob("labelled/*.jsonl"), *DATA.glob("real/*.jsonl")]):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                texts.append((item.get("subject") or "", item["body"]))
    texts += [("", raw.decode("utf-8", "replace")) for raw in corpus(include_big=False).values()]
    return texts


def _sample_mailbox(tmp_path: Path) -> list[Mail]:
    """The bundled sample mailbox, imported for real: the texts as the analysis sees them."""
    db = tmp_path / "demo.db"
    assert run_demo(db, io.StringIO()) == 0
    store = Store.open(f"sqlite:///{db}")
    try:
        found = load_mails(store, datetime(2000, 1, 1), datetime(2100, 1, 1))
    finally:
        store.close()
    return [m for mails in found.values() for m in mails]


def _both_ways(texts: list[tuple[str, str]]) -> list[Mail]:
    """Each text as a client's message and as the user's: every rule reads it."""
    return [
        Mail(number * 2 + k, direction, "C", datetime(2026, 11, 2), subject, new_text=text)
        for number, (subject, text) in enumerate(texts)
        for k, direction in enumerate(("in", "out"))
    ]


def test_the_payment_prefilters_change_nothing_on_the_corpora(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mails = _both_ways(_corpus_texts()) + _sample_mailbox(tmp_path)
    filtered = payments.payment_events(mails)
    # no prefilter, and the confirmation rule over the whole text at once
    monkeypatch.setattr(payments, "_contains", lambda text, words: True)
    monkeypatch.setattr(
        payments,
        "_confirms_payment",
        lambda text: payments._CONFIRMATION_IN_RE.search(text) is not None,
    )
    unfiltered = payments.payment_events(mails)
    assert filtered == unfiltered
    kinds = {event.kind for event in unfiltered}
    assert kinds == {"invoice", "reminder", "promise", "confirmation"}, kinds
    assert len(unfiltered) > 20  # not an empty comparison


_RULES = (
    payments._INVOICE_SUBJECT_RE,
    payments._INVOICE_BODY_RE,
    payments._REMINDER_RE,
    payments._PROMISE_RE,
    payments._CONFIRMATION_IN_RE,
    payments._CONFIRMATION_OUT_RE,
)
# The words and phrases the rules are written with (read from the rules themselves, so a new
# phrase is tried too), and a few more: texts made of them match the rules often.
_PIECES = sorted(
    {
        *(
            piece
            for rule in _RULES
            for piece in re.findall(r"[a-z][a-z' ]*[a-z]", re.sub(r"\\[a-zA-Z]", " ", rule.pattern))
        ),
        *("i", "it", "n't", "2026/0112", "atutaltuk", "kiegyenlitettem", "egyenlitettuk"),
        *("send the payment", "end of the month", "next week", "a jovo heten", "honap vegen"),
    }
)
# Those that make up a client's confirmation or promise.
_CLIENT_PIECES = (
    *("i", "we", "we've", "i have", "it", "just", "now", "already", "today", "not", "n't"),
    *("never", "nem", "meg", "paid", "pay", "transferred", "transfer", "wired", "settled"),
    *("payment", "invoice", "has been", "was", "is", "sent", "made", "processed", "done"),
    *("completed", "money", "send", "attention", "off", "next week", "later", "will", "'ll"),
    *("can only", "end of the month", "utaltam", "atutaltuk", "utaltuk", "kiegyenlitettuk"),
    *("kiegyenlitettem", "kifizettuk", "kifizettem", "az utalas", "megtortent", "jovo heten"),
    *("csak", "tudjuk", "utalni", "fizetni", "honap vegen", "send the payment", "send money"),
)


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12),
    st.lists(st.sampled_from([" ", "  ", "\n", ". ", ", ", ""]), min_size=12, max_size=12),
)
def test_a_text_the_prefilters_rule_out_matches_no_payment_rule(
    pieces: list[str], gaps: list[str]
) -> None:
    text = "".join(piece + gap for piece, gap in zip(pieces, gaps, strict=False))
    if any(rule.search(text) for rule in _RULES):
        assert payments._contains(text, payments._ANY_WORDS)
    if payments._PROMISE_RE.search(text) or payments._CONFIRMATION_IN_RE.search(text):
        assert payments._contains(text, payments._CLIENT_WORDS)
    if payments._CONFIRMATION_IN_RE.search(text):
        assert payments._may_confirm_payment(text)


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(st.sampled_from(_CLIENT_PIECES), min_size=1, max_size=10),
    st.lists(st.sampled_from([" ", ". ", ".", " .", "\n", ".\n", "  "]), min_size=10, max_size=10),
)
def test_the_confirmation_rule_asked_sentence_by_sentence_finds_what_it_finds_at_once(
    pieces: list[str], gaps: list[str]
) -> None:
    text = "".join(piece + gap for piece, gap in zip(pieces, gaps, strict=False))
    whole = payments._CONFIRMATION_IN_RE.search(text) is not None
    assert payments._confirms_payment(text) == whole


def test_no_client_confirmation_or_promise_is_ruled_out_by_the_prefilters() -> None:
    """Every text of up to three of the pieces above: random texts rarely put the few
    words of one confirmation side by side."""
    matched = 0
    for count in (1, 2, 3):
        for pieces in itertools.product(_CLIENT_PIECES, repeat=count):
            text = " ".join(pieces)
            confirms = payments._CONFIRMATION_IN_RE.search(text) is not None
            if confirms or payments._PROMISE_RE.search(text):
                matched += 1
                assert payments._contains(text, payments._CLIENT_WORDS), text
            if confirms:
                assert payments._may_confirm_payment(text), text
    assert matched > 1000


# --- text shortcuts -----------------------------------------------------------------------


@given(st.text(st.sampled_from("aáeéiíoóöőuúüűAÁÉŐŰ İẞßǅ.x?-") | st.characters(), max_size=40))
def test_fold_is_the_folding_table_whatever_the_quick_path(text: str) -> None:
    assert fold(text) == text.lower().translate(_fold_table())


def test_every_character_folds_as_the_table_says() -> None:
    everything = "".join(map(chr, range(0x250)))
    assert fold(everything) == everything.lower().translate(_fold_table())


def test_the_asking_rules_split_in_two_ask_what_they_asked(tmp_path: Path) -> None:
    both = re.compile(f"{conversations._ASKING_ANYWHERE.pattern}|\\b\\w+-e\\b")

    def asks(sentence: str) -> bool:  # the rule as one expression, as it was written first
        folded = fold(sentence.strip())
        if not folded or conversations._CLOSING.match(folded):
            return False
        return bool(
            conversations._QUESTION_MARK.search(sentence)
            or conversations._ASKING_START.match(folded)
            or both.search(folded)
        )

    texts = [text for _, text in _corpus_texts()] + [m.new_text for m in _sample_mailbox(tmp_path)]
    texts += ["Megvan-e a számla?", "megvan-e", "Lehet-e holnap", "x-e", "-e", "a-eb"]
    sentence_end = re.compile(r"(?<=[.!?])\s+|\n+")  # as first written, too
    for text in texts:
        sentences = sentence_end.split(text)
        assert conversations._SENTENCES.split(text) == sentences
        assert conversations.is_question(text) == any(asks(s) for s in sentences), text


@given(st.text(st.sampled_from(".!?ab \n\t\r\x0b\x0c\x1c\x85\xa0\u2028\u3000")))
def test_sentences_end_where_they_ended(text: str) -> None:
    assert conversations._SENTENCES.split(text) == re.split(r"(?<=[.!?])\s+|\n+", text)
