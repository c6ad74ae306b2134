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

import bisect
import functools
import hashlib
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from inboxwatch.text import fold

__all__ = [
    "FEATURE_NAMES",
    "LEXICONS",
    "HandFeatures",
    "Lexicon",
    "describe",
    "fingerprint",
    "hand_features",
    "new_subject",
    "strip_subject_prefixes",
    "thread_kind",
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
            "egyeztesd", "készítsd", "szeretném", "szeretnék", "kellene", "kéne", "kell",
            # the formal (Ön) imperatives
            "küldje*", "küldjön", "nézze*", "nézzen", "intézze*", "tájékoztasson",
            "készítse*", "készítsen", "foglalkozzon", "tegye", "jelezze", "vegye",
            "derítse*", "ellenőrizze", "javítsa", "hívjon", "írjon", "keressen"),
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
            "something", "somehow", "whatever", "anything", "the one", "the matter",
            "that matter", "this matter", "the ones", "have a go at it", "check on that",
            "look into it", "on that", "with that", "about that", "the background",
            "somewhere", "not sure", "put my finger on", "some ideas", "a few things",
            "things", "all of that", "or something", "sort of", "kind of", "like before",
            "the other one", "one of those", "better", "nicer", "more modern", "punchy",
            "punchier", "pop"),
        hu=("a múltkori*", "múltkor*", "a szokásos", "amiről beszéltünk", "amit mondtam",
            "tudod mit", "tudod melyik", "izé*", "azt a dolgot", "a dolgot", "dolog*",
            "dolg*", "valami*", "valahogy", "amit kértem", "az a", "ennek", "annak",
            "az ügy*", "ügyben", "ügyet", "a szükséges", "ahogy szoktad", "mint legutóbb",
            "a megfelelő", "amiről", "amelyről", "őket", "ezeket", "azokat", "egy másik",
            "jobb", "szebb", "modernebb", "ütősebb", "fejleményekről"),
    ),
    # Short acknowledgements that ask nothing.
    "acknowledgement": Lexicon(
        label="acknowledgement",
        common=("ok", "oke", "okay", "thanks", "thx", "perfect", "super"),
        en=("got it", "thank you", "noted", "will do", "sounds good", "love it", "great",
            "all good", "done", "received", "see you", "no problem", "yes", "sure",
            "works for me", "fine"),
        hu=("megkaptam", "köszi", "köszönöm", "rendben", "szuper", "igen", "jó", "nincs mit",
            "értem", "oké", "mehet", "ott leszek", "pont jó", "tökéletes", "ez az"),
    ),
    # Pointers to an attachment or link (which may not be there: only text is seen).
    "attachment_reference": Lexicon(
        label="attachment",
        en=("see attached", "attached", "attachment*", "enclosed", "see the file",
            "the file", "here s the file", "this link", "the link", "link below",
            "see below", "screenshot*", "here s the link", "here is the link", "see link",
            "following link", "below"),
        hu=("csatol*", "mellékel*", "a linken", "link*", "lásd lent", "képernyőkép*",
            "a fájl*", "a doksi*", "itt találod", "itt vannak", "itt van", "alább", "lent"),
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
            "still hasn t", "still waiting", "still don t", "still isn t", "still says",
            "as i said", "as i told you", "i told you", "i already told", "i already asked",
            "already asked", "like i said", "i did ask", "i did say", "i asked you",
            "asked you twice", "keep forgetting", "keep making", "every time", "each time",
            "in a row", "always late", "not what i asked", "not what we asked",
            "not what i wanted", "supposed to", "should have", "should ve", "were meant to",
            "was meant to", "expected", "you promised", "we were promised", "were promised",
            "was promised", "we were assured", "were assured", "was due", "were due",
            "overdue", "missed the deadline", "missed", "late again", "you forgot",
            "forgot", "ignored", "ignoring", "nobody", "no one", "late", "you didn t",
            "you did not", "you haven t", "you have not", "you never", "you missed",
            "didn t say", "why didn t", "why haven t", "why hasn t", "why is", "why are",
            "why am i", "why was", "why wasn t", "why isn t", "why do i", "where is",
            "where s", "where are", "what happened", "please explain", "explain why",
            "only hearing", "seriously", "how hard", "how difficult", "anyone there",
            "i ve sent you", "i have sent you", "charged me", "you charged",
            "what am i paying", "yet", "by now", "hours ago", "days ago", "since monday",
            "since yesterday", "been waiting", "i m still waiting", "how long",
            "had to chase", "have to chase", "chasing", "remind you", "had to ask",
            "have to ask", "should be", "should ve been", "was supposed", "not the first time",
            "happened before", "happens again", "again and again", "every single time",
            "always", "never", "can t keep", "cannot keep", "needs to stop", "we agreed",
            "as agreed", "you said", "you told me", "left out", "not done", "incomplete",
            "not finished", "you sent the wrong", "wrong one", "you got", "you messed",
            "your mistake", "your error", "expect better", "expected better",
            "i expect", "we expect", "do better", "better than this", "had enough",
            "last straw", "enough is enough", "per my last", "i note that", "omit*",
            "omission", "surprised to see", "did not agree", "didn t agree", "never agreed",
            "it took you", "took you", "please stop", "stop sending", "overwhelming", "rude",
            "on your behalf", "had to apologise", "had to apologize", "i ve had to",
            "i had to", "we had to", "too stressful", "slipping", "tell me why",
            "how does this happen", "how did this happen", "how could", "not what we discussed",
            "isn t what we discussed", "what we agreed", "still have no", "nothing is"),
        hu=("megint", "már megint", "ismét", "újra", "harmadszor", "másodszor", "negyedszer",
            "sokadszor*", "hányszor", "mennyiszer", "még mindig nem", "még mindig",
            "már mondtam", "mondtam", "megmondtam", "ahogy írtam", "ahogy kértem",
            "ahogy mondtam", "már kértem", "kértem már", "nem erre kértelek",
            "nem ezt kértem", "nem ezt kértük", "nem ilyet kértem", "nem így kértem",
            "elvár*", "vártam", "tegnapra", "úgy volt", "megígérted", "ígérted", "ígérte",
            "megígérte", "azt írtad", "azt írta", "azt mondtad", "azt mondta",
            "elfelejtetted", "elfelejtették", "elfelejtettétek", "késik", "késtél",
            "késés*", "lekés*", "csúszik", "csúszás*", "mindig", "soha", "sehol",
            "semmi", "ugyanaz a hiba", "mint múltkor", "óta várok", "reggel óta",
            "órája", "napja", "hete", "harmadik", "második", "sokadik", "hol van",
            "hol vannak", "hol van már", "miért nem", "miért", "már", "a jövőben",
            "legközelebb", "a továbbiakban", "nem érkezett meg", "még nem érkezett",
            "nem kaptam meg", "nem kapom meg", "még nem", "ez most komoly", "komolyan",
            "kellemetlen*", "továbbra sem", "már többször", "többször", "sokszor",
            "nem először", "nem ez az első", "ismét előfordult", "órák óta", "napok óta",
            "hetek óta", "óta", "várok", "várunk", "hiányzik", "hiányos", "kimaradt",
            "elmaradt", "nincs kész", "nem készült el", "félkész", "nem erről volt szó",
            "nem ebben maradtunk", "megbeszéltük", "megállapodtunk", "elvárom",
            "elvárnám", "jobbat vártam", "többet vártam", "többet várok", "ennél jobbat",
            "figyelj", "figyelj oda", "figyelmesebb*", "pontosabb*", "nem értem miért",
            "nem értem hogy", "hogy lehet", "hogy lehetséges", "hogy fordulhat",
            "hogyan fordulhatott", "miért kell", "kétszer", "háromszor", "nem figyelsz",
            "erről nem volt szó", "nem volt szó", "meglepett", "meglepődtem", "nem fér bele",
            "előre jelezze", "ne csússzon", "most már", "kellett volna", "viccelsz",
            "mi ez", "ezért fizetünk", "ezért fizetek", "nem rendeltem", "nem kértem",
            "kértem hogy", "sehol nem"),
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
            "overcharg*", "too expensive", "paying for", "not worth", "not good", "bad",
            "amateur*", "unsuitable", "not suitable", "unusable", "not usable", "boring",
            "not it", "isn t it", "not right", "doesn t match", "don t match", "subpar",
            "half done", "lazy", "worse", "worst", "rubbish", "hate", "unfair",
            "not comfortable", "too much", "a lot for", "seems like a lot", "typo*",
            "error*", "incorrect", "inaccurate", "missing", "looks bad", "looks cheap",
            "ugly", "messy", "unclear", "confusing", "not professional", "below standard",
            "not great", "not ideal", "concerned", "worried", "a problem with",
            "an issue with", "upset", "angry", "furious", "livid", "irritat*", "let down",
            "shocked", "baffled", "unfortunately", "honestly", "frankly", "to be honest",
            "i have to say", "i must say", "i m afraid", "overpriced", "too high",
            "can t justify", "not acceptable", "not okay"),
        hu=("csalód*", "elfogadhatatlan", "nem vagyok elégedett", "elégedetlen*",
            "nem elégedett", "nem jó", "nem ok", "nem oké", "gyenge", "igénytelen*",
            "hanyag*", "pontatlan*", "figyelmetlen*", "szakszerűtlen*", "amatőr*",
            "komolytalan*", "felháborító", "bosszant*", "idegesít*", "elegem",
            "kritikán aluli", "borzalmas", "borzasztó*", "szörnyű", "katasztrófa",
            "botrány*", "hibás*", "tele van hibával", "hibát", "hiba", "rossz", "túl drága",
            "ezért fizetek", "pénzkidobás", "kínos", "szégyen*", "ciki", "nem ezt",
            "irreális*", "túl általános", "túl magas", "nem tudjuk elfogadni", "kuká*",
            "mást szeretnék", "egészen mást", "nem tetszik", "nem tetszenek", "csúnya",
            "nem stimmel", "nem az igazi", "nem az", "elírás*", "slampos*", "összecsap*",
            "kapkod*", "trehány*", "sajnos", "sajnálatos*", "őszintén", "meg kell mondjam",
            "meg kell mondanom", "ideges vagyok", "mérges", "dühös", "felháborod*",
            "kiábrándító", "drága", "túl sok", "borsos", "nem éri meg", "minőség*",
            "nem megfelelő", "hibásan", "helytelen*", "pontatlanul", "hiányosan"),
    ),
    # Threats to escalate or leave.
    "threat": Lexicon(
        label="threat",
        en=("look elsewhere", "looking elsewhere", "find someone else", "another agency",
            "another provider", "someone else", "cancel", "terminate", "end our contract",
            "end the contract", "reconsider", "last chance", "final warning", "escalate",
            "escalating", "your manager", "refund", "won t pay", "not paying", "withhold",
            "bad review", "last time", "rethink", "review our", "termination", "notice",
            "end our", "other options", "alternatives", "elsewhere", "i ll have to find",
            "have to find someone", "end our arrangement", "not willing to renew",
            "not willing", "unwilling", "current terms"),
        hu=("mást keresünk", "mást keresek", "máshoz fordul*", "más után nézünk", "felmond*",
            "megszüntet*", "szerződést bont*", "utolsó esély", "utoljára", "nem fizetem",
            "nem fizetünk", "visszakérem", "pénz vissza", "panasz*", "feljelent*",
            "vezetőd*", "főnököd*", "reklamál*", "következmény*", "átgondoljuk",
            "újragondol*", "másik szolgáltató*", "más megoldás*", "visszatérítés*",
            "kompenzáció*"),
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
            "must be nice", "good to know", "wow", "really", "thank you so much for",
            "thanks so much for", "thanks for that", "great job", "oh good", "oh sure",
            "i m sure you re", "very busy", "how lovely", "nice of you", "glad to see",
            "only took", "take your time", "no rush at all", "discovered", "apparently",
            "just fantastic", "really keeps", "i love finding", "love finding",
            "really looking forward", "work of fiction", "so helpful", "how helpful"),
        hu=("szuper megint", "köszi a semmit", "kösz a semmit", "mint mindig",
            "ahogy mindig", "mint általában", "naná", "hát persze", "micsoda meglepetés",
            "karácsonyra", "jövőre", "gondolom", "persze", "biztos", "jó tudni",
            "köszi szépen", "ja nem", "ja persze", "megálmod*", "nagyon vicces", "végre",
            "ráérünk", "ráérsz", "imádom", "igazán remek", "aha", "aha szóval", "szóval most",
            "jutott eszedbe", "biztos én", "wow", "great job", "köszi hogy", "köszönöm hogy",
            "kösz hogy", "katyvasz"),
    ),
    # Negation and absence: with praise nearby, a sign of sarcasm.
    "negation": Lexicon(
        label="negation",
        en=("not", "no", "nothing", "without", "never", "none", "nobody", "empty", "n t",
            "still", "only"),
        hu=("nem", "nincs", "nincsen", "semmi", "nélkül", "soha", "senki", "üres", "sem",
            "még mindig", "csak"),
    ),
    # The complaint is about someone else: reassurance that the recipient is not to blame.
    "not_recipient": Lexicon(
        label="not about you",
        en=("not your fault", "not you", "nothing to do with you", "not aimed at you",
            "not on you", "just venting", "venting", "nothing for you to do",
            "nothing needed from you", "not blaming you", "not you i m", "no need to"),
        hu=("nem a te hibád", "nem a te asztalod", "nem rád", "nem neked szól",
            "nem miattad", "nincs teendőd", "ki kell írnom magamból", "kiírom magamból",
            "nem ön hibája", "nem az ön hibája", "nem te", "nem veled", "nem rajtad"),
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
_WORD_SPLIT_RE: Final = re.compile(r"(\w+)")  # the words of _WORD_RE and the text between
_DIGIT_RE: Final = re.compile(r"\d")
_CLOCK_DEADLINE_RE: Final = re.compile(
    r"\b(?:by|before|until|till|no later than)\s+"
    r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|h|o ?clock)?|noon|midday|midnight|lunch(?:time)?)\b"
    r"|\b\d{1,2}(?:[:.]\d{2})?\s*(?:h|ora)?-?(?:ig|ra|re|oraig|orara|orakor)\b"
    r"|\bwithin\s+\d{1,2}\s*(?:min(?:ute)?s?|h(?:ou)?rs?|hours?)\b"
    r"|\bin\s+\d{1,2}\s*(?:min(?:ute)?s?|h(?:ou)?rs?|hours?)\b"
    r"|\b\d{1,2}\s*(?:percen|oran)\s+belul\b"
)
# Every match of _CLOCK_DEADLINE_RE has a digit or one of these words: without them, the
# pattern (slow to run) is not run at all.
_CLOCK_WORDS: Final = ("noon", "midday", "midnight", "lunch")
_NUMBER_RE: Final = re.compile(r"\d[\w:./-]*")
# Where a file name (report.pdf), an address (@) or a link (://, www.) is in the text.
_FILE_OR_ADDRESS_RE: Final = re.compile(
    r"\.(?:" + "|".join(sorted(_FILE_EXTENSIONS)) + r")\b|@\w|://|\bwww\.", re.IGNORECASE
)
_EMOJI_RE: Final = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff]")
_ANNOYED_EMOJI: Final = frozenset(
    "\U0001f644\U0001f643\U0001f612\U0001f624\U0001f621\U0001f620\U0001f92c\U0001f926"
    "\U0001f937\U0001f611\U0001f610\U0001f629\U0001f62b\U0001f44f"
)
_HAPPY_EMOJI: Final = frozenset(
    "\U0001f600\U0001f601\U0001f602\U0001f603\U0001f604\U0001f605\U0001f606\U0001f607"
    "\U0001f608\U0001f609\U0001f60a\U0001f60b\U0001f60c\U0001f60d\U0001f642\U0001f917"
    "\U0001f64f\U0001f44d\u2764\U0001f495\U0001f496\U0001f338\U0001f389\U0001f973\u263a"
)
# Hungarian 2nd person singular definite past ("küldted", "elfelejtetted", "írtad"): what
# the recipient did, the typical shape of a reproach.
_SECOND_PERSON_PAST_RE: Final = re.compile(r"\b\w{2,}(?:tt|t)(?:ad|ed|atok|etek)\b")
_SECOND_PERSON_PAST_ENDINGS: Final = ("tad", "ted", "tatok", "tetek")  # one is in every match
# One or two words in quotation marks: "final", „kész" — often ironic.
_SCARE_QUOTES_RE: Final = re.compile(r"[\"“„'‘]\w+(?: \w+)?[\"”'’]")
_CAPITALS_RE: Final = re.compile(r"\b[A-ZÁÉÍÓÖŐÚÜŰ]{2,}\b")
# A capitalised word in mid-sentence (after a lower-case letter, digit or comma and a space):
# a name, a product, a place.
_NAME_RE: Final = re.compile(
    r"(?<=[a-z0-9,;)áéíóöőúüű] )[A-ZÁÉÍÓÖŐÚÜŰ][a-záéíóöőúüű]+"
)
# The model's own copy of the reply/forward prefix rule. The conversation rule is
# inboxwatch.text.REPLY_PREFIX_RE (more prefixes, list tags); these two patterns are part of
# fingerprint(), and the model in models/ was trained on subjects cut by exactly them, so
# sharing the conversation rule would refuse that model. Switch when the model is retrained.
_SUBJECT_PREFIX_RE: Final = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|vs|tr|valasz|válasz|továbbítás|tovabbitas|tov)\s*(?:\[\d+\])?"
    r"\s*:\s*)+",
    re.IGNORECASE,
)
_FORWARD_PREFIX_RE: Final = re.compile(
    r"^\s*(?:fw|fwd|wg|tr|továbbítás|tovabbitas|tov)\s*(?:\[\d+\])?\s*:", re.IGNORECASE
)
THREAD_KINDS: Final = ("new", "reply", "forward")
_SHORT_CONTENT: Final = 5  # at most this many content words is a short message
_CONTENT_BUCKETS: Final = (0, 1, 3, 6, 11, 26)  # lower bounds of the content-word buckets
_LENGTH_BUCKETS: Final = (0, 20, 60, 150, 400)  # lower bounds of the new-text length buckets
# Interaction features a linear model cannot form on its own.
_DERIVED: Final = (
    "reply", "forward", "request_or_question", "short_request", "short_no_request",
    "annoyed_emoji", "happy_emoji", "second_person_past", "scare_quotes",
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
# How derived features read in explanations. Features without a description (message shape,
# language, length buckets) still count in the model but are not offered as reasons.
_DESCRIPTIONS: Final[Mapping[str, str]] = {
    "short_request": "short request",
    "annoyed_emoji": "annoyed emoji",
    "happy_emoji": "friendly emoji",
    "second_person_past": "you did",
    "scare_quotes": "scare quotes",
    "sarcasm_with_reproach": "sarcasm",
    "request_without_specifics": "request without specifics",
    "short_question": "bare question",
    "no_letters": "punctuation only",
    "question_marks": "question marks",
    "many_question_marks": "??",
    "exclamations": "exclamation marks",
    "many_exclamations": "!!",
    "capitals": "",
    "clock_deadline": "deadline",
    "specifics": "specific details",
    "subject_urgency": "urgent subject",
}


@dataclass(frozen=True)
class HandFeatures:
    """Feature values aligned with ``FEATURE_NAMES`` and the text that triggered each one."""

    values: tuple[float, ...]
    evidence: Mapping[str, tuple[str, ...]]


@functools.cache
def fingerprint() -> str:
    """A short hash of the word lists, patterns and constants that define the features.

    Stored with a trained model: a model trained with other lists is refused at load time.
    """
    parts = [
        repr([(name, lex.label, lex.common, lex.en, lex.hu, lex.suppresses)
              for name, lex in LEXICONS.items()]),
        repr(FEATURE_NAMES),
        *(pattern.pattern for pattern in (
            _CLOCK_DEADLINE_RE, _NUMBER_RE, _FILE_OR_ADDRESS_RE, _NAME_RE, _CAPITALS_RE,
            _SCARE_QUOTES_RE, _EMOJI_RE, _SECOND_PERSON_PAST_RE, _SUBJECT_PREFIX_RE,
            _FORWARD_PREFIX_RE,
        )),
        *(repr(sorted(group)) for group in (
            _COMMON_ACRONYMS, _MONTHS, _FILE_EXTENSIONS, _ANNOYED_EMOJI, _HAPPY_EMOJI,
        )),
        repr((_SHORT_CONTENT, _CONTENT_BUCKETS, _LENGTH_BUCKETS)),
    ]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def strip_subject_prefixes(subject: str) -> str:
    """Remove reply/forward prefixes (``Re:``, ``Fwd:``, ``VS:``, ``Válasz:``) from a subject."""
    return _SUBJECT_PREFIX_RE.sub("", subject).strip()


def thread_kind(subject: str) -> str:
    """``"reply"`` or ``"forward"`` after the subject's outermost prefix, else ``"new"``."""
    if _FORWARD_PREFIX_RE.match(subject):
        return "forward"
    return "reply" if _SUBJECT_PREFIX_RE.match(subject) else "new"


def new_subject(subject: str) -> str:
    """The part of a subject the sender wrote for this message.

    A subject with a reply or forward prefix was written for an earlier message: like quoted
    text, it is not new content, so it yields ``""``. Other subjects are returned stripped.
    """
    return subject.strip() if thread_kind(subject) == "new" else ""


def describe(name: str, evidence: Sequence[str]) -> tuple[str, ...]:
    """Human-readable explanation strings for feature ``name`` given what triggered it."""
    return _describe(name, tuple(evidence))


@functools.lru_cache(maxsize=4096)  # the same evidence recurs; the function is pure
def _describe(name: str, evidence: tuple[str, ...]) -> tuple[str, ...]:
    if name in LEXICONS:
        label = LEXICONS[name].label
        return tuple(f"{label}: {e}" if label else e for e in evidence)
    base = _DESCRIPTIONS.get(name)
    if base is None:
        return ()
    if evidence:
        return tuple(f"{base}: {e}" if base else e for e in evidence)
    return (base,) if base else ()


def hand_features(
    subject: str, text: str, language: str, content_words: int, thread: str = "new"
) -> HandFeatures:
    """Compute the hand-made features of one message.

    ``subject`` is the new part of the subject (see ``new_subject``); ``text`` is the new
    content only; ``content_words`` is the content-word count of ``text`` (see
    ``nlp.content_words``); ``thread`` is the subject's ``thread_kind``.
    """
    values = [0.0] * len(FEATURE_NAMES)
    evidence: dict[str, tuple[str, ...]] = {}
    whole = f"{subject}\n{text}"
    folded = fold(whole)
    source = whole if len(folded) == len(whole) else folded
    pieces = _WORD_SPLIT_RE.split(folded)  # text, word, text, word, …, text
    words = pieces[1::2]
    found = _lexicon_matches(words, language)
    # Word k spans bounds[2k]:bounds[2k + 1] of the text.
    bounds = list(itertools.accumulate(map(len, pieces))) if found else []
    matches: dict[str, list[str]] = {}
    for name, first, end in found:
        matches.setdefault(name, []).append(source[bounds[2 * first] : bounds[2 * end - 1]])
    for name, phrases in matches.items():
        values[_INDEX[name]] = math.log1p(len(phrases))
        evidence[name] = _unique(phrases)
    subject_hits = [
        source[bounds[2 * a] : bounds[2 * b - 1]]
        for name, a, b in found if name == "urgency" and bounds[2 * a] < len(subject)
    ]
    _set(values, evidence, "subject_urgency", float(bool(subject_hits)), subject_hits)
    _punctuation_features(values, evidence, whole, text)
    _shape_features(
        values, evidence, whole, folded, words, text, content_words, matches, language
    )
    values[_INDEX["language_hu"]] = float(language == "hu")
    values[_INDEX["reply"]] = float(thread == "reply")
    values[_INDEX["forward"]] = float(thread == "forward")
    asks = "request" in matches or "?" in whole
    short = content_words <= _SHORT_CONTENT
    values[_INDEX["request_or_question"]] = float(asks)
    values[_INDEX["short_request"]] = float(asks and short)
    values[_INDEX["short_no_request"]] = float(short and not asks)
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
    values: list[float], evidence: dict[str, tuple[str, ...]], whole: str, text: str
) -> None:
    questions, exclamations = whole.count("?"), whole.count("!")
    _set(values, evidence, "question_marks", math.log1p(questions))
    _set(values, evidence, "many_question_marks", float("??" in whole))
    _set(values, evidence, "exclamations", math.log1p(exclamations))
    _set(values, evidence, "many_exclamations", float("!!" in whole))
    shouted = [w for w in _CAPITALS_RE.findall(whole) if not _is_acronym(w)]
    _set(values, evidence, "capitals", math.log1p(len(shouted)), shouted)
    _set(values, evidence, "no_letters", float(bool(text.strip()) and not _has_letter(text)))
    quoted = _SCARE_QUOTES_RE.findall(whole)
    _set(values, evidence, "scare_quotes", math.log1p(len(quoted)), quoted)
    emoji = [] if whole.isascii() else _EMOJI_RE.findall(whole)
    annoyed = [e for e in emoji if e in _ANNOYED_EMOJI]
    happy = [e for e in emoji if e in _HAPPY_EMOJI]
    _set(values, evidence, "annoyed_emoji", math.log1p(len(annoyed)), annoyed)
    _set(values, evidence, "happy_emoji", math.log1p(len(happy)), happy)


def _is_acronym(word: str) -> bool:
    return fold(word) in _COMMON_ACRONYMS


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _shape_features(
    values: list[float], evidence: dict[str, tuple[str, ...]], whole: str, folded: str,
    words: Sequence[str], text: str, content_words: int, matches: Mapping[str, Sequence[str]],
    language: str,
) -> None:
    if language == "hu":
        you_did = (
            _found(_SECOND_PERSON_PAST_RE, whole, folded)
            if any(ending in folded for ending in _SECOND_PERSON_PAST_ENDINGS) else []
        )
        _set(values, evidence, "second_person_past", math.log1p(len(you_did)), you_did)
    clock = (
        _found(_CLOCK_DEADLINE_RE, whole, folded)
        if _DIGIT_RE.search(folded) or any(word in folded for word in _CLOCK_WORDS) else []
    )
    _set(values, evidence, "clock_deadline", math.log1p(len(clock)), clock)
    specifics = _specifics(whole, words)
    _set(values, evidence, "specifics", math.log1p(len(specifics)), specifics)
    negative = ("reproach", "dissatisfaction", "negation")
    sarcastic = "praise" in matches and any(n in matches for n in negative)
    _set(values, evidence, "sarcasm_with_reproach", float(sarcastic), matches.get("praise", ()))
    bare_request = "request" in matches and not specifics
    _set(values, evidence, "request_without_specifics", float(bare_request))
    _set(values, evidence, "short_question", float(content_words <= 3 and "?" in whole))
    _set(values, evidence, "content_words", math.log1p(content_words))
    values[_INDEX[f"content_bucket_{_bucket(content_words, _CONTENT_BUCKETS)}"]] = 1.0
    values[_INDEX[f"length_bucket_{_bucket(len(text.strip()), _LENGTH_BUCKETS)}"]] = 1.0


def _found(pattern: re.Pattern[str], whole: str, folded: str) -> list[str]:
    """Matches of ``pattern`` in the folded text, as written in the original where possible."""
    source = whole if len(whole) == len(folded) else folded
    return [source[m.start() : m.end()] for m in pattern.finditer(folded)]


def _bucket(value: int, lower_bounds: Sequence[int]) -> int:
    """The largest of the ascending ``lower_bounds`` that ``value`` reaches."""
    return lower_bounds[bisect.bisect_right(lower_bounds, value) - 1]


def _specifics(whole: str, words: Sequence[str]) -> list[str]:
    """Concrete details a recipient could act on: numbers, dates, files, links, names."""
    found = _NUMBER_RE.findall(whole)
    found.extend(_MONTHS.intersection(words))
    if "." in whole or "@" in whole:
        places = _FILE_OR_ADDRESS_RE.finditer(whole)
        found.extend(_file_or_address(whole, m.start()) for m in places)
    found.extend(_NAME_RE.findall(whole))
    return found


def _file_or_address(text: str, dot: int) -> str:
    """The whitespace-delimited chunk of ``text`` around position ``dot``."""
    start = max(text.rfind(" ", 0, dot), text.rfind("\n", 0, dot)) + 1
    end = len(text)
    for separator in (" ", "\n"):
        found = text.find(separator, dot)
        end = found if 0 <= found < end else end
    return text[start:end].strip(".,;:!?()")


# --- phrase matching -----------------------------------------------------------------------

_Pattern = tuple[tuple[str, bool], ...]  # (word, is_prefix) per token


class _Phrase(NamedTuple):
    """A multi-word pattern as matched: exact words, then maybe a stem for the last word."""

    exact: list[str]  # a list: compared with a slice of the message's word list at once
    stem: str | None

    @classmethod
    def of(cls, pattern: _Pattern) -> _Phrase:
        last, is_prefix = pattern[-1]
        if is_prefix:
            return cls([word for word, _ in pattern[:-1]], last)
        return cls([word for word, _ in pattern], None)

    def matches_at(self, words: list[str], i: int) -> bool:
        """Whether the phrase matches ``words`` from position ``i`` on."""
        end = i + len(self.exact)
        if words[i:end] != self.exact:
            return False
        return self.stem is None or (end < len(words) and words[end].startswith(self.stem))

    @property
    def size(self) -> int:
        """The number of words the phrase spans."""
        return len(self.exact) + (self.stem is not None)


_Candidates = tuple[tuple[str, _Phrase], ...]


@dataclass(frozen=True)
class _Entry:
    """Everything that can start at one exact word."""

    names: tuple[str, ...] = ()  # single-word phrases: the feature names
    by_second: Mapping[str, _Candidates] = field(default_factory=dict)  # exact second word
    other: _Candidates = ()  # multi-word phrases whose second word is a stem


@dataclass(frozen=True)
class _Matcher:
    first: Mapping[str, _Entry]  # exact first word → what may start there
    # First three letters of a stem → (feature, stem). A stem is always a phrase's last word,
    # so a phrase starting with a stem is that one word.
    prefix: Mapping[str, tuple[tuple[str, str], ...]]
    suppresses: Mapping[str, tuple[str, ...]]


@functools.cache
def _matcher(language: str) -> _Matcher:
    names: dict[str, list[str]] = {}
    by_second: dict[str, dict[str, list[tuple[str, _Phrase]]]] = {}
    other: dict[str, list[tuple[str, _Phrase]]] = {}
    prefix: dict[str, list[tuple[str, str]]] = {}
    for name, lexicon in LEXICONS.items():
        own = lexicon.en if language == "en" else lexicon.hu
        for phrase in (*lexicon.common, *own):
            pattern = _compile_phrase(phrase)
            first, is_prefix = pattern[0]
            if is_prefix:
                prefix.setdefault(first[:3], []).append((name, first))
            elif len(pattern) == 1:
                names.setdefault(first, []).append(name)
            elif not pattern[1][1]:
                second = by_second.setdefault(first, {})
                second.setdefault(pattern[1][0], []).append((name, _Phrase.of(pattern)))
            else:
                other.setdefault(first, []).append((name, _Phrase.of(pattern)))
    entries = {
        word: _Entry(
            tuple(dict.fromkeys(names.get(word, ()))),
            {k: tuple(v) for k, v in by_second.get(word, {}).items()},
            tuple(other.get(word, ())),
        )
        for word in {*names, *by_second, *other}
    }
    return _Matcher(
        entries,
        {k: tuple(v) for k, v in prefix.items()},
        {name: lex.suppresses for name, lex in LEXICONS.items() if lex.suppresses},
    )


def _compile_phrase(phrase: str) -> _Pattern:
    words = _WORD_RE.findall(fold(phrase))
    if not words:
        raise ValueError(f"empty lexicon phrase {phrase!r}")
    pattern = tuple((w, i == len(words) - 1 and phrase.endswith("*")) for i, w in enumerate(words))
    if any(is_prefix and len(w) < 3 for w, is_prefix in pattern):
        raise ValueError(f"lexicon stem in {phrase!r} is shorter than three letters")
    return pattern


def _lexicon_matches(words: list[str], language: str) -> list[tuple[str, int, int]]:
    """Lexicon matches in folded words: (feature name, first word, end word)."""
    matcher = _matcher(language)
    return _suppress(_find(words, matcher), matcher.suppresses)


def _find(words: list[str], matcher: _Matcher) -> list[tuple[str, int, int]]:
    """Longest non-overlapping match per feature: (name, first word, end word)."""
    best: dict[tuple[str, int], int] = {}
    first, prefix = matcher.first, matcher.prefix
    last = len(words) - 1
    for i, word in enumerate(words):
        entry = first.get(word)
        if entry is not None:
            for name in entry.names:
                best.setdefault((name, i), i + 1)
            if i < last and entry.by_second:
                pairs = entry.by_second.get(words[i + 1])
                if pairs:
                    _try(words, i, pairs, best)
            if entry.other:
                _try(words, i, entry.other, best)
        stems = prefix.get(word[:3])
        if stems is not None:
            for name, stem in stems:  # one-word phrases: they match where they start
                if word.startswith(stem):
                    best[(name, i)] = max(best.get((name, i), 0), i + 1)
    found: list[tuple[str, int, int]] = []
    covered: dict[str, int] = {}
    for (name, start), end in sorted(best.items(), key=lambda kv: (kv[0][1], -kv[1])):
        if start >= covered.get(name, 0):
            found.append((name, start, end))
            covered[name] = end
    return found


def _try(
    words: list[str], i: int, candidates: _Candidates, best: dict[tuple[str, int], int]
) -> None:
    for name, phrase in candidates:
        if phrase.matches_at(words, i):
            end = i + phrase.size
            best[(name, i)] = max(best.get((name, i), 0), end)


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
