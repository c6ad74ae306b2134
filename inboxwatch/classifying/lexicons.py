"""The word lists of the classifier's hand-made features, and the report's chaser rule.

``LEXICONS`` holds the phrase lists, one entry per feature, each with phrases that apply
to both languages (English loanwords that Hungarian clients use too: ASAP, EOD, pls, FYI) and
phrases for English or Hungarian only. Phrase syntax:

* phrases are matched on lower-cased, accent-folded word tokens, so ``"sürgős"`` also matches
  ``"surgos"`` and ``"SÜRGŐS"``; punctuation between words is ignored (``"great, another"``
  matches ``"great another"``);
* a trailing ``*`` on a word matches any word starting with it (``"csalód*"`` matches
  ``"csalódott"``, ``"csalódtam"``); stems must be at least three letters;
* where matches of two features overlap, a feature listed in another's ``suppresses`` wins
  (``"not urgent"`` and ``"nem sürgős"`` are *no rush*, not urgency).

The lists were chosen from the definitions in docs/LABELS.md and the training split only.

Every list here but :data:`CHASER_RE` is part of the model fingerprint
(:func:`inboxwatch.classifying.features.fingerprint`):
changing one means retraining the model in ``models/``.

Chasers ("any update?") have two rules here, side by side on purpose: the ``chaser`` lexicon
is a classifier feature (part of the fingerprint), and :data:`CHASER_RE` is the report's
``chasing`` sign (matched on accent-folded text, with punctuation rules such as a message of
question marks only). Sharing one would change either the model or the reports; keep them
next to each other and change them together when the model is next retrained.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

__all__ = [
    "ANNOYED_EMOJI",
    "CHASER_RE",
    "COMMON_ACRONYMS",
    "FILE_EXTENSIONS",
    "HAPPY_EMOJI",
    "LEXICONS",
    "MONTHS",
    "Lexicon",
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
    # Explicit urgency words (docs/LABELS.md urgent, first bullet).
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
COMMON_ACRONYMS: Final = frozenset(_words(
    "pdf cv ok hr ceo cfo cto usd eur huf vat afa pm am it seo crm fyi id url www nda b2b "
    "kft bt zrt nav ai ui ux api csv xls xlsx doc docx ppt jpg png gif tv eu us uk usa faq "
    "sms ip dns ssl vpn pr qa dr hu en ig cc bcc tel mr mrs ms ltd inc gmbh llc"
))
MONTHS: Final = frozenset(_words(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec januar februar marcius aprilis majus "
    "junius julius augusztus szeptember oktober december"
))
FILE_EXTENSIONS: Final = frozenset(_words("pdf docx doc xlsx xls csv pptx ppt png jpg jpeg zip"))

ANNOYED_EMOJI: Final = frozenset(
    "\U0001f644\U0001f643\U0001f612\U0001f624\U0001f621\U0001f620\U0001f92c\U0001f926"
    "\U0001f937\U0001f611\U0001f610\U0001f629\U0001f62b\U0001f44f"
)
HAPPY_EMOJI: Final = frozenset(
    "\U0001f600\U0001f601\U0001f602\U0001f603\U0001f604\U0001f605\U0001f606\U0001f607"
    "\U0001f608\U0001f609\U0001f60a\U0001f60b\U0001f60c\U0001f60d\U0001f642\U0001f917"
    "\U0001f64f\U0001f44d\u2764\U0001f495\U0001f496\U0001f338\U0001f389\U0001f973\u263a"
)

# The report's chasing sign: a short follow-up asking for news (accent-folded, lower case).
CHASER_RE = re.compile(
    r"\b(?:any (?:update|news|progress|word)|anything new|updates?\s*\?|status\s*\?|"
    r"did you (?:see|get|receive|read)|have you (?:seen|had a chance|got)|"
    r"following up|follow[- ]up|just checking|checking in|ping|hello\s*\?|"
    r"van (?:mar |mas |valami )*hir|mi a helyzet|hol tart|hogy all|allas\s*\?|"
    r"lattad|megkaptad|olvastad|na\s*\?)"
    r"|^\W*\?+\W*$"
)
