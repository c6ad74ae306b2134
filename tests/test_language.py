"""detect_language: Hungarian vs English, with and without accents, short and empty texts."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxwatch.parsing.language import detect_language


@pytest.mark.parametrize(
    "text",
    [
        "Szia, holnapra kell a számla.",
        "Sürgős!",
        "Nem erre kértelek.",
        "Csinálj valamit ezzel",
        "Köszi!",
        "kerlek kuldd at ma delutanra",
        "surgos",
        "szamlat kuldd el legyszi",
        "hivj fel",
        "megvan?",
        "Árvíztűrő tükörfúrógép",
    ],
)
def test_hungarian_with_and_without_accents(text: str) -> None:
    assert detect_language(text) == "hu"


@pytest.mark.parametrize(
    "text",
    [
        "Please send the invoice today.",
        "ASAP",
        "any update?",
        "fix the thing from last week",
        "call me",
        "thanks",
        "Can you check the menu for the café on Friday?",
        "Meeting at Kovács Kft tomorrow, please confirm the time.",
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", ["", "   ", "??", "123 456", "!!!", "ok"])
def test_empty_or_undecidable_defaults_to_english(text: str) -> None:
    assert detect_language(text) == "en"


def test_long_input_is_fast() -> None:
    text = "Kérlek nézd meg a fájlt. " * 200_000
    started = time.perf_counter()
    assert detect_language(text) == "hu"
    assert time.perf_counter() - started < 0.5


@settings(max_examples=200, deadline=500)
@given(st.text())
def test_any_text_gives_a_known_code(text: str) -> None:
    assert detect_language(text) in ("hu", "en")
