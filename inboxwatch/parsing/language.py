"""Tell Hungarian from English mail text, fast and without models.

The decision is a small score per language built from three kinds of evidence:

* Hungarian diacritics (``ő`` and ``ű`` exist only in Hungarian; the other accented vowels
  are strong hints when the alternative is English);
* stop words and very common words of each language, with Hungarian also matched in its
  accent-less spelling (``kerlek``, ``surgos``) because many people type without accents;
* Hungarian word endings and consonant digraphs (``-nak``, ``-ban``, ``sz``, ``gy``) against
  English ones (``-ing``, ``th``, ``wh``) as weak evidence for text with no stop words.

Only the first few thousand characters are looked at: that is plenty to decide and keeps the
cost per message flat.
"""

from __future__ import annotations

import functools
import re
from typing import Final

__all__ = ["ENGLISH", "HUNGARIAN", "detect_language"]

HUNGARIAN: Final = "hu"
ENGLISH: Final = "en"

_SAMPLE_CHARS: Final = 3000
_WORD_RE: Final = re.compile(r"[^\W\d_]+")

# Letters that only Hungarian uses (among hu/en): decisive.
_HU_ONLY_LETTERS: Final = frozenset("őű")
# Accented letters common in Hungarian; in English text they appear only in loan words/names.
_HU_ACCENTED: Final = frozenset("áéíóöüú")
_ACCENT_FOLD: Final = str.maketrans("áéíóöőúüű", "aeiooouuu")


def _word_set(words: str) -> frozenset[str]:
    """The whitespace-separated words of *words* as a set."""
    return frozenset(words.split())


# Common Hungarian words, written without accents (input is folded before lookup).
# Words that are also common English words ("a", "is", "at", "me", "he") are left out.
_HU_WORDS: Final = _word_set(
    """
    az es hogy nem meg ez egy de mar csak van vagy kell lesz lenne volt vannak nincs
    ma kerlek kerem koszi koszonom koszonjuk koszonettel holnap ma tegnap most majd mert
    ha akkor mint mikor mivel amit ami aki ahol hol mit mi mik ki kik mert sem se
    igen ugye persze szia sziasztok hello udv udvozlettel tisztelettel szep napot
    napon reggel delutan delutanra delelott este estig hetfo kedd szerda csutortok pentek
    szombat vasarnap surgos surgosen azonnal mielobb gyorsan legyszi legyszives lecci
    kuldd kuldj kuldjed kuldeni kuldtem kuldom kuldes atkuldeni tudnal tudnad tudod tudom
    lehet lehetne kellene kene nezd nezz megnezned megneznad csinald csinalj valamit
    ezzel azzal ezt azt ennek annak erre arra errol arrol itt ott nekem neked nekunk
    nektek velem veled vele tole rola hozza bele minden semmi valami senki mindig soha
    meg megint mar ujra jo rossz nagyon kicsit tobb kevesebb hianyzik kesz kesz
    szamla szamlat szerzodes hatarido hataridot feladat feladatot anyag anyagot fajl
    fajlt csatolva csatolt melleklet mellekletben levelet levelem uzenet uzenetet
    ajanlat ajanlatot projekt projektet ugyfel ugyfelnek penteken hetfon kedden
    szerdan csutortokon jovo heten hetre honap honapban ev evben ora oraig percen
    pedig viszont tehat igy ugy olyan ilyen milyen mennyi mennyit mikorra meddig
    hivj hivjal hivd fel el megvan kerdes kerdesem valasz valaszolj irj irjal ird
    nezzuk talan kozben
    kb stb illetve valamint azonban hiszen tovabba utan elott alatt felett mellett
    """
)

# Common English words. Words that are also common Hungarian words are left out.
_EN_WORDS: Final = _word_set(
    """
    the and to you your is are was were be been of for on it its this that these those
    please thanks thank with from have has had will would can could should shall may
    might must do does did not no yes we our us they them their he she his her him
    my me i am an or but if then so as at by about into out up down what when where who
    which why how all any some just also very more most than there here get got send
    sent need needs asap urgent today tomorrow yesterday morning afternoon evening
    tonight week let know see call update invoice attached attachment file files
    hi hello dear regards best kind cheers sorry again still yet already done make
    fix check look asked ask doc draft meeting deadline client job work working
    """
)

# Hungarian suffixes (folded) that rarely end English words of this length or more.
_HU_SUFFIX_RE: Final = re.compile(
    r"(?:nak|nek|ban|ben|bol|rol|tol|bol|val|vel|hoz|hez|hoz|nal|nel|kor|ert|ig"
    r"|[bcdfghklmnprstvz]j|unk|jatok|itek|atok|etek|juk|tuk|tek|tak|hatod|heted|hatja|heti)$"
)
_HU_DIGRAPH_RE: Final = re.compile(r"sz|gy|zs|cs|ny|ty|ly")
_EN_SUFFIX_RE: Final = re.compile(r"(?:ing|tion|ould|ight|ness|ly|ed)$")
_EN_DIGRAPH_RE: Final = re.compile(r"th|wh|ck|ph|w")

_STOP_WORD_WEIGHT: Final = 2.0
_HU_ONLY_WEIGHT: Final = 3.0
_HU_ACCENT_WEIGHT: Final = 1.5
_SHAPE_WEIGHT: Final = 0.5


def detect_language(text: str) -> str:
    """Return ``"hu"`` if *text* reads as Hungarian, else ``"en"``.

    Works on short texts and on Hungarian typed without accents. Empty or undecidable text
    gives ``"en"``. Runs in time linear in at most the first few thousand characters.
    """
    words = _WORD_RE.findall(text[:_SAMPLE_CHARS].lower())
    hu_score, en_score = 0.0, 0.0
    for hu, en in map(_word_evidence, words):
        hu_score += hu
        en_score += en
    return HUNGARIAN if hu_score > en_score else ENGLISH


@functools.lru_cache(maxsize=65_536)  # mail vocabulary repeats a lot; the function is pure
def _word_evidence(word: str) -> tuple[float, float]:
    """Score one lower-cased word as (Hungarian evidence, English evidence)."""
    ascii_only = word.isascii()
    hu = 0.0 if ascii_only else _diacritic_evidence(word)
    folded = word if ascii_only else word.translate(_ACCENT_FOLD)
    if folded in _HU_WORDS:
        hu += _STOP_WORD_WEIGHT
    elif word in _EN_WORDS:
        return hu, _STOP_WORD_WEIGHT
    elif ascii_only:
        return _shape_evidence(word)
    return hu, 0.0


def _diacritic_evidence(word: str) -> float:
    """Evidence for Hungarian from accented letters in *word* (counted once per word)."""
    if not _HU_ONLY_LETTERS.isdisjoint(word):
        return _HU_ONLY_WEIGHT
    if not _HU_ACCENTED.isdisjoint(word):
        return _HU_ACCENT_WEIGHT
    return 0.0


def _shape_evidence(word: str) -> tuple[float, float]:
    """Weak evidence from endings and digraphs of an unknown accent-less word."""
    if len(word) < 4:
        return 0.0, 0.0
    hu = _SHAPE_WEIGHT * (
        bool(_HU_SUFFIX_RE.search(word)) + min(2, len(_HU_DIGRAPH_RE.findall(word)))
    )
    en = _SHAPE_WEIGHT * (
        bool(_EN_SUFFIX_RE.search(word)) + min(2, len(_EN_DIGRAPH_RE.findall(word)))
    )
    return hu, en
