"""Hand-made message features with signal for the three text tags (see LABELS.md).

Every feature has a stable name (``FEATURE_NAMES``, stored with the model so that a model
trained on another feature set is refused) and a human-readable description used in
explanations: ``"ASAP"``, ``"deadline: today"``, ``"reproach: third time"``.

All word lists live in ``LEXICONS`` below, one entry per feature, each with phrases that apply
to both languages (English loanwords that Hungarian clients use too: ASAP, EOD, pls, FYI) and
phrases for English or Hungarian only. Phrase syntax:

* phrases are matched on lower-cased, accent-folded word tokens, so ``"sürgős"`` also matches
  ``"surgos"`` and ``"SÜRGŐS"``; punctuation between words is ignored (``"great, another"``
  matches ``"great another"``);
* a trailing ``*`` on a word matches any word starting with it (``"csalód*"`` matches
  ``"csalódott"``, ``"csalódtam"``); stems must be at least three letters;
* where matches of two features overlap, a feature listed in another's ``suppresses`` wins
  (``"not urgent"`` and ``"nem sürgős"`` are *no rush*, not urgency).

The lists were chosen from the definitions in LABELS.md and the training split only.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from inboxwatch.nlp import fold_accents

__all__ = [
    "FEATURE_NAMES",
    "LEXICONS",
    "HandFeatures",
    "Lexicon",
    "describe",
    "hand_features",
    "strip_subject_prefixes",
]


@dataclass(frozen=True)
class Lexicon:
    """One phrase-list feature: its label in explanations and its phrases per language.

    ``label`` prefixes the matched phrase in explanations (``"deadline: today"``); an empty
    label shows the phrase alone (``"ASAP"``).
    """

    label: str
    common: tuple[str, ...] = ()
    en: tuple[str, ...] = ()
    hu: tuple[str, ...] = ()
    suppresses: tuple[str, ...] = ()


LEXICONS: Final[Mapping[str, Lexicon]] = {
    # Explicit urgency words (LABELS.md urgent, first bullet).
    "urgency": Lexicon(
        label="",
        common=("urgent", "urgently", "asap", "a s a p", "sos", "emergency", "prio 1",
                "high priority", "top priority", "eod", "now"),
        en=("immediately", "right away", "straight away", "at once", "as soon as possible",
            "as soon as you can", "right now", "this minute", "without delay", "time sensitive",
            "hurry", "quickly", "quick", "rush", "pressing", "can t wait", "cannot wait",
            "drop everything", "first thing", "priority", "critical", "urgency", "need it now",
            "need this now", "need them now"),
        hu=("sürgős*", "azonnal*", "mielőbb", "minél előbb", "minél hamarabb", "amint tudsz",
            "amint tudod", "amint lehet", "amilyen gyorsan", "most", "rögtön", "haladéktalanul",
            "sietős", "siess*", "sürget*", "gyorsan", "égető", "nem várhat", "egyből",
            "máris", "mihamarabb", "prioritás"),
    ),
    # Deadlines within about one working day.
    "deadline_soon": Lexicon(
        label="deadline",
        common=("eod", "cob", "today"),
        en=("tonight", "this morning", "this afternoon", "this evening", "end of day",
            "end of the day", "close of business", "by noon", "by lunch", "by lunchtime",
            "before lunch", "tomorrow", "before tomorrow", "first thing tomorrow", "in an hour",
            "within the hour", "within an hour", "within the next hour", "in the next hour",
            "before the meeting", "before the call", "before our call", "before my call",
            "later today", "by tonight", "in a few minutes", "in minutes", "by midnight"),
        hu=("ma", "mára", "még ma", "mai", "ma délután*", "ma reggel*", "ma este*",
            "ma délelőtt*", "ma éjjel", "délig", "délre", "ebédig", "ebéd előtt", "estig",
            "estére", "holnap*", "nap végéig", "nap végére", "munkaidő végéig", "órán belül",
            "percen belül", "hívás előtt", "meeting előtt", "megbeszélés előtt",
            "tárgyalás előtt", "éjfélig", "reggelre", "reggelig"),
    ),
    # Deadlines days away, or no deadline pressure.
    "deadline_later": Lexicon(
        label="later",
        en=("next week", "next month", "end of the month", "end of month", "in two weeks",
            "in a couple of weeks", "whenever", "when you get a chance", "when you have time",
            "in the coming days", "sometime", "next monday", "next tuesday", "next wednesday",
            "next thursday", "next friday", "later this week", "this week"),
        hu=("jövő hét*", "jövő hónap*", "hónap végéig", "hónap végére", "hét végéig",
            "a héten", "ezen a héten", "valamikor", "ha lesz időd", "napokon belül",
            "két hét*", "jövő kedd*", "jövő hétf*", "jövő szerd*", "jövő csütört*",
            "jövő pént*", "majd"),
    ),
    "no_rush": Lexicon(
        label="no rush",
        en=("no rush", "not urgent", "no hurry", "not in a hurry", "not a priority",
            "low priority", "not time sensitive", "whenever suits", "whenever you can",
            "no pressure", "take your time", "isn t urgent", "nothing urgent",
            "doesn t have to be today", "not today", "not urgently"),
        hu=("nem sürgős*", "nincs sietség", "semmi sietség", "ráér*", "nem kell ma",
            "nem ég", "nem kell sietni", "nyugodtan", "nem sürget*", "nem kell most"),
        suppresses=("urgency", "deadline_soon"),
    ),
    # Something broken or blocking that needs attention now.
    "blocking": Lexicon(
        label="blocking",
        en=("not working", "doesn t work", "does not work", "stopped working", "is down",
            "went down", "broken", "broke", "crash*", "can t access", "cannot access",
            "can t log in", "cannot log in", "can t login", "locked out", "blocked",
            "blocking", "outage", "not loading", "won t load", "offline", "stuck",
            "can t pay", "bounc*", "error"),
        hu=("nem működik", "nem megy", "leállt", "elromlott", "hibát dob", "nem tudok belépni",
            "nem tudunk belépni", "nem tölt be", "nem jön be", "összeomlott", "lehalt",
            "megállt", "nem lehet", "elérhetetlen", "blokkol*", "nem érhető el", "kiesett",
            "nem elérhető", "nem tudok", "nem tudunk"),
    ),
    # Escalating pressure: someone waits, money is being lost.
    "pressure": Lexicon(
        label="pressure",
        en=("client is waiting", "everyone is waiting", "waiting on you", "my boss",
            "i m waiting", "losing money", "losing customers", "losing orders", "costing us",
            "we lose", "we re losing", "we are losing", "people are waiting"),
        hu=("vár az ügyfél", "az ügyfél vár", "mindenki rád vár", "rád várunk",
            "a főnököm", "veszítünk", "elvesztünk", "elveszítjük", "buk*", "ügyfelek várnak",
            "várnak rá", "ég a ház"),
    ),
    # Request markers and imperatives.
    "request": Lexicon(
        label="request",
        common=("pls", "plz", "please"),
        en=("can you", "could you", "would you", "will you", "can u", "could u",
            "need you to", "make sure", "let me know", "get back to me", "send me",
            "take care of", "sort out", "i want", "i d like", "would like you", "have a look",
            "look into", "kindly", "i need"),
        hu=("kérlek", "kérem", "légyszi", "légy szíves", "légyszíves", "lécci", "tudnál*",
            "tudnád", "tudná", "meg tudod", "megtennéd", "megcsinálnád", "küldd", "küldj",
            "nézd", "nézz", "csináld", "csinálj", "javítsd", "intézd", "hívj", "szólj",
            "írj", "rakd", "tedd", "töltsd", "frissítsd", "ellenőrizd", "foglald",
            "egyeztesd", "készítsd", "szeretném", "szeretnék", "kellene", "kéne", "kell"),
    ),
    # Requests whose object is never named ("fix it", "csináld meg").
    "unclear_object": Lexicon(
        label="unclear object",
        en=("do it", "do that", "do this", "fix it", "fix that", "fix this", "sort it",
            "sort that", "sort this", "handle it", "handle that", "handle this",
            "take care of it", "take care of that", "take care of this", "look at it",
            "look at that", "look at this", "check it", "check that", "check this",
            "send it", "send that", "send this", "change it", "change that", "deal with it",
            "deal with that", "make it better", "make it look better", "make it pop",
            "make it nicer", "improve it", "update it", "finish it", "do something",
            "call me", "give me a call", "ring me", "can we talk", "sort it out"),
        hu=("csináld meg", "csinálj valamit", "nézd meg ezt", "nézd meg azt", "nézd meg",
            "intézd el", "javítsd ki", "oldd meg", "hívj fel", "hívj", "beszéljünk",
            "csörögj", "legyen jobb", "legyen szebb", "ezzel", "azzal", "erről", "arról",
            "ezt", "azt"),
    ),
    # References to things never named in the message.
    "vague_reference": Lexicon(
        label="vague reference",
        en=("the thing", "that thing", "the stuff", "that stuff", "those things",
            "the other thing", "the one from", "from last week", "from last time",
            "same as last time", "like last time", "the usual", "you know what",
            "you know the one", "as discussed", "what we discussed", "what we talked about",
            "something", "somehow", "whatever", "anything", "the one"),
        hu=("a múltkori*", "múltkor*", "a szokásos", "amiről beszéltünk", "amit mondtam",
            "tudod mit", "tudod melyik", "izé*", "azt a dolgot", "a dolgot", "dolog*",
            "valami*", "valahogy", "amit kértem", "az a"),
    ),
    # Pointers to an attachment or link (which may not be there: only text is seen).
    "attachment_reference": Lexicon(
        label="attachment",
        en=("see attached", "attached", "attachment*", "enclosed", "see the file",
            "the file", "here s the file", "this link", "the link", "link below",
            "see below", "screenshot*"),
        hu=("csatol*", "mellékel*", "a linken", "link*", "lásd lent", "képernyőkép*",
            "a fájl*", "a doksi*"),
    ),
    # Chasers: asking whether the previous message was seen or acted on.
    "chaser": Lexicon(
        label="chaser",
        common=("ping", "bump"),
        en=("any update", "any updates", "any news", "any progress", "did you see",
            "did you get", "have you seen", "did you receive", "have you had a chance",
            "following up", "follow up", "just checking", "checking in", "bumping", "hello",
            "haven t heard", "no reply", "no answer", "no response", "did you read",
            "where are we", "what s the status", "status", "news"),
        hu=("van hír", "van valami hír", "van fejlemény", "van valami fejlemény",
            "fejlemény*", "mi a helyzet", "hol tartunk", "hol tart", "hogy áll", "hogy állsz",
            "láttad", "megkaptad", "olvastad", "megnézted", "emlékeztet*", "halló", "hahó",
            "na", "nem válaszoltál", "válasz*", "hír"),
    ),
    "politeness": Lexicon(
        label="polite",
        common=("thanks", "thx", "thank you"),
        en=("thank*", "kind regards", "if possible", "if you can", "when you have a moment",
            "would you mind", "appreciat*", "grateful", "hope you are well",
            "hope you re well", "sorry to bother", "no worries", "have a nice",
            "have a great", "cheers", "dear", "many thanks"),
        hu=("köszönöm", "köszi", "kösz", "köszönet*", "előre is", "ha megoldható",
            "ha lehet", "ha ráérsz", "ha van időd", "szép napot", "üdvözlettel", "kedves",
            "elnézést a zavarásért", "nagyon szépen", "hálás*", "puszi"),
    ),
    # Repetition and unmet expectations aimed at the recipient.
    "reproach": Lexicon(
        label="reproach",
        en=("third time", "second time", "fourth time", "how many times", "again",
            "once again", "yet again", "still not", "still haven t", "still no",
            "still hasn t", "still waiting", "still don t", "as i said", "as i told you",
            "i told you", "i already told", "i already asked", "already asked", "like i said",
            "keep forgetting", "keep making", "every time", "each time", "always late",
            "not what i asked", "not what we asked", "not what i wanted", "supposed to",
            "should have", "should ve", "were meant to", "was meant to", "expected",
            "you promised", "we were promised", "missed the deadline", "missed", "late again",
            "you forgot", "forgot", "ignored", "ignoring", "nobody", "no one", "late"),
        hu=("megint", "már megint", "ismét", "újra", "harmadszor", "másodszor", "negyedszer",
            "sokadszor*", "hányszor", "még mindig nem", "még mindig", "már mondtam",
            "mondtam", "megmondtam", "ahogy írtam", "ahogy kértem", "ahogy mondtam",
            "már kértem", "kértem már", "nem erre kértelek", "nem ezt kértem",
            "nem ezt kértük", "nem ilyet kértem", "nem így kértem", "elvár*", "vártam",
            "tegnapra", "úgy volt", "megígérted", "ígérted", "elfelejtetted",
            "elfelejtették", "elfelejtettétek", "késik", "késtél", "késés*", "lekés*",
            "csúszik", "csúszás*", "mindig", "soha", "sehol", "semmi"),
    ),
    # Disappointment, frustration, judgements of poor work or price.
    "dissatisfaction": Lexicon(
        label="dissatisfied",
        en=("disappoint*", "not happy", "unhappy", "not satisfied", "dissatisfied",
            "unacceptable", "not acceptable", "not ok", "not okay", "not good enough",
            "poor", "sloppy", "careless", "unprofessional", "frustrat*", "annoy*",
            "fed up", "sick of", "tired of", "ridiculous", "terrible", "awful", "horrible",
            "useless", "a mess", "mess", "mistake*", "wrong", "full of typos",
            "not impressed", "low quality", "embarrass*", "waste of", "wasted",
            "overcharg*", "too expensive", "paying for", "not worth", "not good", "bad"),
        hu=("csalód*", "elfogadhatatlan", "nem vagyok elégedett", "elégedetlen*",
            "nem elégedett", "nem jó", "nem ok", "nem oké", "gyenge", "igénytelen*",
            "hanyag*", "pontatlan*", "figyelmetlen*", "szakszerűtlen*", "amatőr*",
            "komolytalan*", "felháborító", "bosszant*", "idegesít*", "elegem",
            "kritikán aluli", "borzalmas", "szörnyű", "katasztrófa", "botrány*", "hibás*",
            "tele van hibával", "hibát", "rossz", "túl drága", "ezért fizetek",
            "pénzkidobás", "kínos", "szégyen*", "ciki", "nem ezt"),
    ),
    # Threats to escalate or leave.
    "threat": Lexicon(
        label="threat",
        en=("look elsewhere", "looking elsewhere", "find someone else", "another agency",
            "another provider", "someone else", "cancel", "terminate", "end our contract",
            "end the contract", "reconsider", "last chance", "final warning", "escalate",
            "escalating", "your manager", "refund", "won t pay", "not paying", "withhold",
            "bad review", "last time"),
        hu=("mást keresünk", "mást keresek", "máshoz fordul*", "más után nézünk", "felmond*",
            "megszüntet*", "szerződést bont*", "utolsó esély", "utoljára", "nem fizetem",
            "nem fizetünk", "visszakérem", "pénz vissza", "panasz*", "feljelent*",
            "vezetőd*", "főnököd*", "reklamál*", "következmény*"),
    ),
    # Praise words; with a reproach nearby they become the "sarcasm" feature.
    "praise": Lexicon(
        label="praise",
        en=("great", "wonderful", "fantastic", "brilliant", "lovely", "perfect", "amazing",
            "nice", "well done", "good job", "awesome", "excellent", "impressive",
            "congratulations", "bravo", "genius", "love"),
        hu=("szuper", "csodás", "remek", "nagyszerű", "gratulálok", "gratula", "bravó",
            "ügyes", "zseniális", "tökéletes", "klassz", "király", "fantasztikus", "imádom",
            "szép munka", "köszi szépen"),
    ),
    # Sarcasm phrases that are sarcastic on their own.
    "sarcasm": Lexicon(
        label="sarcasm",
        en=("thanks for nothing", "what a surprise", "surprise surprise", "as always",
            "as usual", "of course", "great another", "oh great", "perfect timing",
            "love how", "love that", "how nice", "another", "clearly", "obviously",
            "must be nice"),
        hu=("szuper megint", "köszi a semmit", "kösz a semmit", "mint mindig",
            "ahogy mindig", "mint általában", "naná", "hát persze", "micsoda meglepetés",
            "karácsonyra", "jövőre", "gondolom", "persze", "biztos"),
    ),
    # The sender's own fault or regret: not a complaint about the recipient.
    "apology": Lexicon(
        label="apology",
        en=("sorry", "apologies", "apologise", "apologize", "my bad", "my mistake",
            "my fault", "i forgot", "i messed up"),
        hu=("bocs*", "elnézést", "sajnálom", "bocsánat", "az én hibám", "elfelejtettem",
            "elnéztem", "én rontottam"),
    ),
    # Messages that ask nothing: FYI, announcements, newsletters, absence notes.
    "no_request": Lexicon(
        label="FYI",
        common=("fyi", "newsletter", "unsubscribe", "webinar"),
        en=("for your information", "just so you know", "just letting you know",
            "heads up", "no action needed", "no action required", "nothing to do",
            "for your records", "announcement", "we are pleased", "we re pleased",
            "happy to announce", "invitation", "you are invited", "you re invited",
            "save the date", "out of office", "on holiday", "on vacation", "no need to"),
        hu=("tájékoztatásul", "tájékoztat*", "csak szólok", "csak szólni akartam",
            "csak jelzem", "csak hogy tudd", "nem kell vele foglalkoznod", "nincs teendő*",
            "hírlevél*", "hírlevel*", "leiratkoz*", "meghív*", "örömmel*", "szabadság*",
            "házon kívül", "nem kell"),
    ),
}



def _words(text: str) -> list[str]:
    return text.split()


# Words in capitals that are names or abbreviations, not shouting.
_COMMON_ACRONYMS: Final = frozenset(_words(
    "pdf cv ok hr ceo cfo cto usd eur huf vat afa pm am it seo crm fyi id url www nda b2b "
    "kft bt zrt nav ai ui ux api csv xls xlsx doc docx ppt jpg png gif tv eu us uk usa faq "
    "sms ip dns ssl vpn pr qa dr hu en ig cc bcc tel mr mrs ms ltd inc gmbh llc"
))
_MONTHS: Final = frozenset(_words(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec januar februar marcius aprilis majus "
    "junius julius augusztus szeptember oktober december"
))
_FILE_EXTENSIONS: Final = frozenset(_words("pdf docx doc xlsx xls csv pptx ppt png jpg jpeg zip"))
_WORD_RE: Final = re.compile(r"\w+")
_CLOCK_DEADLINE_RE: Final = re.compile(
    r"\b(?:by|before|until|till|no later than)\s+"
    r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|h|o ?clock)?|noon|midday|midnight|lunch(?:time)?)\b"
    r"|\b\d{1,2}(?:[:.]\d{2})?\s*(?:h|ora)?-?(?:ig|ra|re|oraig|orara|orakor)\b"
    r"|\bwithin\s+\d{1,2}\s*(?:min(?:ute)?s?|h(?:ou)?rs?|hours?)\b"
    r"|\bin\s+\d{1,2}\s*(?:min(?:ute)?s?|h(?:ou)?rs?|hours?)\b"
    r"|\b\d{1,2}\s*(?:percen|oran)\s+belul\b"
)
_SPECIFIC_RE: Final = re.compile(r"\d|@|https?://|www\.")
_SUBJECT_PREFIX_RE: Final = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|vs|tr|valasz|válasz|továbbítás|tovabbitas|tov)\s*(?:\[\d+\])?"
    r"\s*:\s*)+",
    re.IGNORECASE,
)
_CONTENT_BUCKETS: Final = (0, 1, 3, 6, 11, 26)  # lower bounds of the content-word buckets
_LENGTH_BUCKETS: Final = (0, 20, 60, 150, 400)  # lower bounds of the new-text length buckets
# Interaction features a linear model cannot form on its own.
_DERIVED: Final = (
    "sarcasm_with_reproach", "request_without_specifics", "short_question", "no_letters",
    "question_marks", "many_question_marks", "exclamations", "many_exclamations",
    "capitals", "clock_deadline", "specifics", "content_words", "subject_urgency",
    "language_hu",
)

FEATURE_NAMES: Final[tuple[str, ...]] = (
    *LEXICONS.keys(),
    *_DERIVED,
    *(f"content_bucket_{low}" for low in _CONTENT_BUCKETS),
    *(f"length_bucket_{low}" for low in _LENGTH_BUCKETS),
)
_INDEX: Final = {name: i for i, name in enumerate(FEATURE_NAMES)}
_DESCRIPTIONS: Final[Mapping[str, str]] = {
    "sarcasm_with_reproach": "sarcasm",
    "request_without_specifics": "request without specifics",
    "short_question": "bare question",
    "no_letters": "punctuation only",
    "question_marks": "question marks",
    "many_question_marks": "??",
    "exclamations": "exclamation marks",
    "many_exclamations": "!!",
    "capitals": "capitals",
    "clock_deadline": "deadline",
    "specifics": "specific details",
    "content_words": "content words",
    "subject_urgency": "urgent subject",
    "language_hu": "Hungarian",
}


@dataclass(frozen=True)
class HandFeatures:
    """Feature values aligned with ``FEATURE_NAMES`` and the text that triggered each one."""

    values: tuple[float, ...]
    evidence: Mapping[str, tuple[str, ...]]


def strip_subject_prefixes(subject: str) -> str:
    """Remove reply/forward prefixes (``Re:``, ``Fwd:``, ``VS:``, ``Válasz:``) from a subject."""
    return _SUBJECT_PREFIX_RE.sub("", subject).strip()


def describe(name: str, evidence: Sequence[str]) -> tuple[str, ...]:
    """Human-readable explanation strings for feature ``name`` given what triggered it."""
    if name in LEXICONS:
        label = LEXICONS[name].label
        return tuple(f"{label}: {e}" if label else e for e in evidence)
    base = _DESCRIPTIONS.get(name)
    if base is None:
        return ()
    if evidence:
        return tuple(f"{base}: {e}" for e in evidence)
    return (base,)


def hand_features(subject: str, text: str, language: str, content_words: int) -> HandFeatures:
    """Compute the hand-made features of one message.

    ``subject`` should already be free of reply prefixes; ``text`` is the new content only;
    ``content_words`` is the content-word count of ``text`` (see ``nlp.content_words``).
    """
    values = [0.0] * len(FEATURE_NAMES)
    evidence: dict[str, tuple[str, ...]] = {}
    whole = f"{subject}\n{text}"
    matches = _lexicon_matches(whole, language)
    for name, phrases in matches.items():
        values[_INDEX[name]] = math.log1p(len(phrases))
        evidence[name] = _unique(phrases)
    subject_hits = _lexicon_matches(subject, language).get("urgency", ())
    _set(values, evidence, "subject_urgency", float(bool(subject_hits)), subject_hits)
    _punctuation_features(values, evidence, subject, text)
    _shape_features(values, evidence, whole, text, content_words, matches)
    values[_INDEX["language_hu"]] = float(language == "hu")
    return HandFeatures(tuple(values), evidence)


def _set(
    values: list[float], evidence: dict[str, tuple[str, ...]], name: str, value: float,
    found: Sequence[str] = (),
) -> None:
    values[_INDEX[name]] = value
    if value and found:
        evidence[name] = _unique(found)


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))[:3]


def _punctuation_features(
    values: list[float], evidence: dict[str, tuple[str, ...]], subject: str, text: str
) -> None:
    whole = f"{subject}\n{text}"
    questions, exclamations = whole.count("?"), whole.count("!")
    _set(values, evidence, "question_marks", math.log1p(questions))
    _set(values, evidence, "many_question_marks", float("??" in whole))
    _set(values, evidence, "exclamations", math.log1p(exclamations))
    _set(values, evidence, "many_exclamations", float("!!" in whole))
    shouted = [w for w in _WORD_RE.findall(whole) if _is_shouting(w)]
    _set(values, evidence, "capitals", math.log1p(len(shouted)), shouted)
    _set(values, evidence, "no_letters", float(bool(text.strip()) and not _has_letter(text)))


def _is_shouting(word: str) -> bool:
    shouted = len(word) >= 2 and word.isalpha() and word.isupper()
    return shouted and word.lower() not in _COMMON_ACRONYMS


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _shape_features(
    values: list[float], evidence: dict[str, tuple[str, ...]], whole: str, text: str,
    content_words: int, matches: Mapping[str, tuple[str, ...]],
) -> None:
    folded = fold_accents(whole.lower())
    clock = [m.group(0) for m in _CLOCK_DEADLINE_RE.finditer(folded)]
    _set(values, evidence, "clock_deadline", math.log1p(len(clock)), clock)
    specifics = _specifics(whole)
    _set(values, evidence, "specifics", math.log1p(len(specifics)), specifics)
    negative = ("reproach", "dissatisfaction")
    sarcastic = "praise" in matches and any(n in matches for n in negative)
    _set(values, evidence, "sarcasm_with_reproach", float(sarcastic), matches.get("praise", ()))
    bare_request = "request" in matches and not specifics
    _set(values, evidence, "request_without_specifics", float(bare_request))
    _set(values, evidence, "short_question", float(content_words <= 3 and "?" in whole))
    _set(values, evidence, "content_words", math.log1p(content_words))
    values[_INDEX[f"content_bucket_{_bucket(content_words, _CONTENT_BUCKETS)}"]] = 1.0
    values[_INDEX[f"length_bucket_{_bucket(len(text.strip()), _LENGTH_BUCKETS)}"]] = 1.0


def _bucket(value: int, lower_bounds: Sequence[int]) -> int:
    return max(low for low in lower_bounds if value >= low)


def _specifics(whole: str) -> list[str]:
    """Concrete details a recipient could act on: numbers, dates, months, files, names."""
    found: list[str] = []
    sentence_start = True
    for match in re.finditer(r"\S+", whole):
        word = match.group(0)
        core = word.strip(".,;:!?()\"'„”“’")
        lowered = fold_accents(core.lower())
        is_file = "." in lowered and lowered.rsplit(".", 1)[-1] in _FILE_EXTENSIONS
        is_name = not sentence_start and core[:1].isupper() and core[1:2].islower()
        if _SPECIFIC_RE.search(core) or lowered in _MONTHS or is_file or is_name:
            found.append(core)
        sentence_start = word.endswith((".", "!", "?", ":", "\n")) or not core
        if whole[match.end() : match.end() + 1] == "\n":
            sentence_start = True
    return found


# --- phrase matching -----------------------------------------------------------------------

_Pattern = tuple[tuple[str, bool], ...]  # (word, is_prefix) per token


@dataclass(frozen=True)
class _Matcher:
    exact: Mapping[str, tuple[tuple[str, _Pattern], ...]]
    prefix: Mapping[str, tuple[tuple[str, _Pattern], ...]]
    suppresses: Mapping[str, tuple[str, ...]]


@functools.cache
def _matcher(language: str) -> _Matcher:
    exact: dict[str, list[tuple[str, _Pattern]]] = {}
    prefix: dict[str, list[tuple[str, _Pattern]]] = {}
    for name, lexicon in LEXICONS.items():
        own = lexicon.en if language == "en" else lexicon.hu
        for phrase in (*lexicon.common, *own):
            pattern = _compile_phrase(phrase)
            first, is_prefix = pattern[0]
            target = prefix.setdefault(first[:3], []) if is_prefix else exact.setdefault(first, [])
            target.append((name, pattern))
    return _Matcher(
        {k: tuple(v) for k, v in exact.items()},
        {k: tuple(v) for k, v in prefix.items()},
        {name: lex.suppresses for name, lex in LEXICONS.items() if lex.suppresses},
    )


def _compile_phrase(phrase: str) -> _Pattern:
    words = _WORD_RE.findall(fold_accents(phrase.lower()))
    if not words:
        raise ValueError(f"empty lexicon phrase {phrase!r}")
    pattern = tuple((w, i == len(words) - 1 and phrase.endswith("*")) for i, w in enumerate(words))
    if any(is_prefix and len(w) < 3 for w, is_prefix in pattern):
        raise ValueError(f"lexicon stem in {phrase!r} is shorter than three letters")
    return pattern


def _lexicon_matches(text: str, language: str) -> dict[str, tuple[str, ...]]:
    """Feature name → the surface phrases of ``text`` that matched its lexicon."""
    folded = fold_accents(text.lower())
    aligned = len(folded) == len(text)
    spans = [(m.start(), m.end()) for m in _WORD_RE.finditer(folded)]
    words = [folded[s:e] for s, e in spans]
    found = _find(words, _matcher(language))
    found = _suppress(found, _matcher(language).suppresses)
    result: dict[str, list[str]] = {}
    for name, start, end in found:
        source = text if aligned else folded
        result.setdefault(name, []).append(source[spans[start][0] : spans[end - 1][1]])
    return {name: tuple(phrases) for name, phrases in result.items()}


def _find(words: Sequence[str], matcher: _Matcher) -> list[tuple[str, int, int]]:
    """Longest non-overlapping match per feature: (name, first word, end word)."""
    best: dict[tuple[str, int], int] = {}
    for i, word in enumerate(words):
        candidates = (*matcher.exact.get(word, ()), *matcher.prefix.get(word[:3], ()))
        for name, pattern in candidates:
            if _matches_at(words, i, pattern):
                end = i + len(pattern)
                best[(name, i)] = max(best.get((name, i), 0), end)
    found: list[tuple[str, int, int]] = []
    covered: dict[str, int] = {}
    for (name, start), end in sorted(best.items(), key=lambda kv: (kv[0][1], -kv[1])):
        if start >= covered.get(name, 0):
            found.append((name, start, end))
            covered[name] = end
    return found


def _matches_at(words: Sequence[str], i: int, pattern: _Pattern) -> bool:
    if i + len(pattern) > len(words):
        return False
    for offset, (expected, is_prefix) in enumerate(pattern):
        word = words[i + offset]
        if not (word.startswith(expected) if is_prefix else word == expected):
            return False
    return True


def _suppress(
    found: list[tuple[str, int, int]], suppresses: Mapping[str, tuple[str, ...]]
) -> list[tuple[str, int, int]]:
    """Drop matches overlapped by a match of a feature that suppresses them."""
    blockers = [(s, e, set(suppresses[n])) for n, s, e in found if n in suppresses]
    if not blockers:
        return found
    return [
        (n, s, e) for n, s, e in found
        if not any(n in victims and s < be and bs < e for bs, be, victims in blockers)
    ]
