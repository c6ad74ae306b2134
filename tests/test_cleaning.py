"""extract_new_content and html_to_text: only what the sender newly wrote survives."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxwatch.parsing.cleaning import MAX_INPUT_CHARS, extract_new_content
from inboxwatch.parsing.htmltext import html_to_text

NEW = "Can you send the March invoice today?"


@pytest.mark.parametrize(
    "quoted",
    [
        "On Tue, 3 Mar 2026 at 10:12, Anna <a@b.example> wrote:\n> Hi\n> old text\n",
        "On Tue, 3 Mar 2026 at 10:12, Anna Kovács <\nanna@b.example> wrote:\n\n> old text\n",
        "2026. márc. 3., kedd 10:12 időpontban Kovács Anna <a@b.hu> ezt írta:\n> régi\n",
        "Kovács Anna <a@b.hu> írta (2026. márc. 3. 10:12):\n> régi szöveg\n",
        "Kovács Anna <a@b.hu> ezt írta (időpont: 2026. márc. 3., K, 10:12):\n> régi\n",
        "Kovács Anna <a@b.hu> ezt írta (időpont: 2026. márc. 3., K,\n10:12):\n\n> régi\n",
        "On Tue, 3 Mar 2026 at 10:12, Anna Kovács\n<anna@b.example>\nwrote:\n\n> old\n",
        "Anna wrote:\nold text without quote marks\n",
        "-----Original Message-----\nFrom: Anna\nSent: Tuesday\nTo: me\nSubject: x\n\nold\n",
        "________________________________\nFrom: Anna <a@b>\nSent: Tuesday, March 3, 2026\n"
        "To: Me\nSubject: RE: x\n\nold text\n",
        "-----Eredeti üzenet-----\nFeladó: Anna\nElküldve: 2026\nTárgy: x\n\nrégi\n",
        "Feladó: Anna <a@b>\nElküldve: 2026. március 3., kedd 10:12\nCímzett: én\n"
        "Tárgy: x\n\nrégi\n",
        "---------- Forwarded message ---------\nFrom: X <x@y>\nDate: Tue\nSubject: s\n\nold\n",
        "Begin forwarded message:\n\nFrom: x\nSubject: y\n\nold\n",
        "---------- Továbbított levél ----------\nFeladó: X\nTárgy: y\n\nrégi\n",
        "> just a quote\n> more quote\n",
    ],
)
def test_quotes_and_forwards_are_removed(quoted: str) -> None:
    assert extract_new_content(f"{NEW}\n\n{quoted}") == NEW


@pytest.mark.parametrize(
    "signature",
    [
        "-- \nJohn Smith\nAcme Ltd",
        "Sent from my iPhone",
        "iPhone-ról küldve",
        "Get Outlook for iOS",
        "Best regards,\nJohn Smith\nAcme Ltd\n+36 30 123 4567",
        "Kind regards\nJohn",
        "Üdv,\nAnna",
        "Üdvözlettel:\nKovács Anna\nKovács és Társa Kft.\n+36 30 123 4567",
        "This e-mail and any attachments are confidential and intended solely for the addressee."
        "\nIf you are not the intended recipient, delete it.",
        "CONFIDENTIALITY NOTICE: The information in this message is privileged.",
        "Ez az e-mail és mellékletei bizalmas információt tartalmazhatnak.",
        "A jelen e-mail és annak mellékletei a címzett részére szólnak.",
        "Best,\nJohn\n\nThis e-mail and any attachments are confidential.",
    ],
)
def test_signatures_and_disclaimers_are_removed(signature: str) -> None:
    assert extract_new_content(f"{NEW}\n\n{signature}\n") == NEW


def test_text_before_a_closing_is_kept_and_closing_alone_survives() -> None:
    assert extract_new_content("Thanks!\nAnna") == "Thanks!"
    text = "Please fix row 5.\nAlso rename the file.\n\nThanks,\nAnna"
    assert extract_new_content(text) == "Please fix row 5.\nAlso rename the file."


def test_hungarian_mail_that_mentions_this_email_is_not_a_disclaimer() -> None:
    text = f"{NEW}\n\nEz az e-mail hosszú lett,\nde fontos."
    assert extract_new_content(text) == text


def test_lines_ending_in_a_colon_are_not_reply_headers() -> None:
    text = f"{NEW}\n\nHere is the agenda:\n- one\n- two\n\nNote the time:\n10:12"
    assert extract_new_content(text) == text


def test_inline_replies_keep_the_senders_lines() -> None:
    text = "On Mon, Anna wrote:\n> question one\nanswer one\n> question two\nanswer two\n"
    assert extract_new_content(text) == "answer one\nanswer two"


@pytest.mark.parametrize(
    "all_quote",
    [
        "---------- Forwarded message ---------\nFrom: Bob\nSubject: x\n\nbody",
        "> only\n> quoted",
        "On Mon, Anna wrote:\n> only quoted",
        "From: Bob <b@x>\nSent: Monday\nTo: me\nSubject: FW: x\n\nbody",
        "",
    ],
)
def test_all_quote_gives_empty(all_quote: str) -> None:
    assert extract_new_content(all_quote) == ""


def test_crlf_and_blank_runs_are_normalised() -> None:
    assert extract_new_content("a\r\n\r\n\r\n\r\nb\r\n") == "a\n\nb"


def test_huge_input_is_capped_and_fast() -> None:
    hostile = ("On x wrote:\nFrom: a\n" + "> q\n" * 10 + "a" * 500 + "\n") * 5_000
    started = time.perf_counter()
    result = extract_new_content(hostile + "x" * 300_000)
    assert time.perf_counter() - started < 1.0
    assert len(result) <= MAX_INPUT_CHARS


def test_html_blocks_lists_and_entities() -> None:
    html = (
        "<html><head><title>t</title><style>p{}</style><script>x()</script></head><body>"
        "<p>Hi&nbsp;Anna,</p><ul><li>one</li><li>two</ul><!-- hidden -->"
        "<div>Line<br>break &amp; more</div><pre>  keep\n  this</pre></body></html>"
    )
    assert html_to_text(html) == "Hi Anna,\n\n- one\n- two\n\nLine\nbreak & more\n\n  keep\n  this"


def test_html_quotes_are_prefixed_and_then_stripped() -> None:
    gmail = (
        '<div dir="ltr">Please call me.</div><div class="gmail_quote">'
        '<div class="gmail_attr">On Mon, Bob &lt;b@x&gt; wrote:</div>'
        "<blockquote>old <b>text</b></blockquote></div>"
    )
    outlook = (
        '<div>Please call me.</div><div id="appendonsend"></div><hr>'
        '<div id="divRplyFwdMsg"><b>From:</b> Bob<br><b>Sent:</b> Monday</div><div>old</div>'
    )
    for html in (gmail, outlook):
        text = html_to_text(html)
        assert "> old" in text
        assert extract_new_content(text) == "Please call me."


def test_empty_class_and_id_attributes_are_read() -> None:
    """A real 2002 newsletter (SpamAssassin corpus) has ``<a class="">``: that raised
    TypeError and lost the whole message's text."""
    html = '<p class="">Join us</p><a class=""\n href="x">here</a><div id=\'\'>now</div>'
    assert html_to_text(html) == "Join us\n\nhere\nnow"


@pytest.mark.parametrize(
    "hostile",
    [
        "<" * 400_000,
        "<a" * 200_000,
        "</" * 200_000,
        "<!--" * 100_000,
        "<div>" * 100_000,
        "&#" * 200_000,
        '<a b="' + "x" * 400_000,
        "<script>" + "<" * 400_000,
    ],
)
def test_html_hostile_input_is_fast(hostile: str) -> None:
    started = time.perf_counter()
    html_to_text(hostile)
    assert time.perf_counter() - started < 1.0


@settings(max_examples=300, deadline=1000)
@given(st.text())
def test_extract_new_content_total_on_any_text(text: str) -> None:
    result = extract_new_content(text)
    assert isinstance(result, str)
    assert len(result) <= len(text) + 1


_HTML_PIECES = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div class='gmail_quote'>",
        "</div>",
        "<blockquote>",
        "<br>",
        "<li>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "&amp;",
        "&#x",
        "<",
        ">",
        "text ",
        "\n",
        "<pre>",
        "</pre>",
        '<div id="appendonsend">',
        "<a href='x'>",
        "</a>",
        "<!DOCTYPE html>",
    ]
)


@settings(max_examples=300, deadline=1000)
@given(st.one_of(st.text(), st.lists(st.one_of(_HTML_PIECES, st.text(max_size=5))).map("".join)))
def test_html_to_text_total_on_any_text(html: str) -> None:
    assert isinstance(html_to_text(html), str)
