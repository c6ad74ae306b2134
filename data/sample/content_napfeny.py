"""Sample mailbox: Napfény Bt. — fine for four weeks, then complains (Hungarian).

A small guesthouse at Lake Balaton. Friendly, specific requests until the end of October;
in the last two weeks (from 2 November) nearly every message is a complaint: a worsening
trend. It also pays late: Anna's September invoice needed three reminders and a "next week"
promise (the ledger, data/sample/ledger.csv, has it paid 24 days late), and the October one
is unpaid past its due date. Fictional people, written for inboxwatch.
"""

from typing import Any

CLIENT: dict[str, Any] = {
    "name": "Napfény Bt.",
    "contact": "Szabó Erika <erika@napfeny.example>",
    "lang": "hu",
    "signature": "Szabó Erika\nNapfény Vendégház, Balatonfüred\n+36 87 555 0190",
}

MESSAGES: list[dict[str, Any]] = [
    {"id": "nf01", "at": "2026-10-06 10:20", "subject": "Őszi hétvégi csomag a Facebookra",
     "sig": True, "body": """\
Szia Anna!

Kérlek, készíts egy Facebook-posztot az őszi hétvégi csomagunkról: 2 éjszaka
félpanzióval, 58 000 Ft/fő, október végéig foglalható. Csütörtök délelőtt tegyük ki.
A képeket feltöltöttem a közös mappába (Facebook/osz).

Köszönöm!
Erika
"""},
    {"id": "an-nf01", "at": "2026-10-06 14:00", "from": "anna", "reply": "nf01", "body": """\
Szia Erika!

Elkészítettem a poszt tervezetét, a közös mappában találod (Facebook/osz/poszt.txt).

Egy kérdés: a szaunahasználat benne van a csomag árában, vagy külön fizetendő?

Üdv,
Anna
"""},
    {"id": "nf02", "at": "2026-10-06 16:10", "reply": "an-nf01", "quote": True, "body": """\
Benne van, csak a masszázs külön. A tervezet nagyon jó, mehet csütörtökön.

Köszi!
Erika
"""},
    {"id": "nf03", "at": "2026-10-09 11:00", "subject": "Ajánlatkérések a héten", "sig": True,
     "body": """\
Szia Anna!

A héten öt ajánlatkérés jött a honlapról, továbbítottam őket neked. Kérlek, válaszolj
rájuk a szokásos sablon alapján; a szabad időpontokat a foglalási naptárban látod.
Jövő szerdáig ráér.

Köszönöm,
Erika
"""},
    {"id": "an-nf03", "at": "2026-10-12 10:30", "from": "anna", "reply": "nf03", "body": """\
Szia Erika!

Mind az öt ajánlatkérésre válaszoltam. Két család a novemberi hosszú hétvégére
kérdez, gyerekekkel. Melyik sablont használjam náluk, a családit vagy az általánosat?

Üdv,
Anna
"""},
    {"id": "nf04", "at": "2026-10-12 13:45", "reply": "an-nf03", "body": """\
A családit, abban benne van a gyerekkedvezmény is. Köszi, hogy rákérdeztél!

Erika
"""},
    {"id": "nf05", "at": "2026-10-15 10:05", "subject": "Téli csomagok árlistája",
     "kind": "latin2", "headers": {"X-Mailer": "Microsoft Windows Live Mail 16.4.3528"},
     "sig": True, "body": """\
Szia Anna!

Elkészült a téli csomagok árlistája, feltöltöttem a közös mappába (Arak/teli_2026.pdf).
Kérlek, frissítsd a weboldalon a Csomagok oldalt jövő hét keddig. A hűvös idő miatt
most a wellness-részt emelnénk ki: fürdőköpeny, szauna, gyógyteák.

Előre is köszönöm!
Erika
"""},
    {"id": "an-nf05", "at": "2026-10-19 11:10", "from": "anna", "reply": "nf05", "body": """\
Szia Erika!

Frissítettem a Csomagok oldalt az új árakkal, és a wellness-részt tettem előre.

Az adventi csomagnál 2 vagy 3 éjszaka legyen a minimum?

Üdv,
Anna
"""},
    {"id": "nf06", "at": "2026-10-19 15:30", "reply": "an-nf05", "quote": True, "body": """\
3 éjszaka. Köszönöm, nagyon szép lett az oldal!

Erika
"""},
    {"id": "nf07", "at": "2026-10-21 10:40", "subject": "Vendégvélemények a honlapra",
     "sig": True, "body": """\
Szia Anna!

Kérlek, gyűjtsd ki a Google-értékelésekből az 5 legszebb véleményt, és tedd ki őket a
honlap nyitóoldalára. Nem sürgős, jövő hét végéig jó.

Köszi,
Erika
"""},
    {"id": "nf08", "at": "2026-10-27 09:30", "reply": "nf07", "subject":
     "Re: Vendégvélemények a honlapra", "body": """\
Szia Anna!

Láttam a válogatást, tetszik! Az utolsót cseréld ki légyszi a Kovács családéra,
az konkrétabb és a gyerekprogramot is említi.

Erika
"""},
    {"id": "an-nf08", "at": "2026-10-27 11:00", "from": "anna", "reply": "nf08", "body": """\
Szia Erika!

Kicseréltem, már a Kovács család véleménye szerepel a nyitóoldalon.

Üdv,
Anna
"""},
    {"id": "nf09", "at": "2026-10-29 14:15", "subject": "Novemberi hírlevél", "sig": True,
     "body": """\
Szia Anna!

Novemberben küldjünk hírlevelet a törzsvendégeknek a téli csomagokról. A szöveget
te írd meg légyszi, a címlistát a Mailchimpben találod. November 4-ig küldd át
jóváhagyásra.

Ja, és a foglalási naptárban a december 24-26. még mindig nyitva van, azt zárd le
légyszi, akkor zárva leszünk.

Köszi,
Erika
"""},
    {"id": "nf10", "at": "2026-10-30 10:00", "reply": "nf09", "subject":
     "Re: Novemberi hírlevél", "body": """\
Még annyi, hogy a kedvezménykód TEL10 legyen, 10% kedvezmény, január 31-ig.

Erika
"""},
    {"id": "an-nf09", "at": "2026-11-03 15:20", "from": "anna", "reply": "nf10", "body": """\
Szia Erika!

Elküldtem a hírlevél tervezetét a TEL10 kóddal a Mailchimpből, teszt levélként.
Ha jóváhagyod, csütörtökön kimehet.

Üdv,
Anna
"""},
    {"id": "nf11", "at": "2026-11-04 09:40", "reply": "an-nf09", "quote": True, "body": """\
Anna, nem erre kértelek. A téli csomagokról kellett volna írni, nem az adventiről, és
így túl hosszú, senki nem olvassa végig. Kérlek, írd át.

Erika
"""},
    {"id": "an-nf11", "at": "2026-11-04 11:30", "from": "anna", "reply": "nf11", "body": """\
Szia Erika!

Igazad van, félreértettem, elnézést. Átírtam: rövidebb lett, és csak a téli
csomagok szerepelnek benne. Így megfelel?

Üdv,
Anna
"""},
    {"id": "nf12", "at": "2026-11-05 16:40", "reply": "an-nf11", "quote": True, "body": """\
Jobb, de a képek még mindig a nyáriak. Ezt is nekem kell észrevennem?

Erika
"""},
    {"id": "nf13", "at": "2026-11-06 10:15", "subject": "Foglalási naptár!", "sig": True,
     "body": """\
Anna!

Már harmadszor kérem, hogy a foglalási naptárban a december 24-26. közötti
időszakot zárd le. Ma reggel megint jött rá foglalás, most magyarázkodhatok a
vendégnek. Nem értem, mi ebben a nehéz.
"""},
    {"id": "an-nf13", "at": "2026-11-06 11:00", "from": "anna", "reply": "nf13", "body": """\
Szia Erika!

Elnézést, ez az én hibám. Lezártam az időszakot, és megnéztem, mi történt: a
Booking-szinkron minden éjjel visszanyitotta, ezt is kikapcsoltam.

A mai foglalót felhívjam én, vagy szeretnéd te? Ha gondolod, hétfőn beszéljük át
telefonon a nyitott dolgokat, szerintem úgy gyorsabb.

Üdv,
Anna
"""},
    {"id": "nf14", "at": "2026-11-06 13:20", "reply": "an-nf13", "body": """\
Hívd fel te.
"""},
    {"id": "nf15", "at": "2026-11-09 09:50", "subject": "Hírlevél", "sig": True, "body": """\
Anna,

csalódott vagyok. A hírlevél még mindig nem ment ki, pedig a múlt hét elején ki
kellett volna mennie. Így elmegy a novemberi szezon.
"""},
    {"id": "an-nf15", "at": "2026-11-09 10:20", "from": "anna", "reply": "nf15", "body": """\
Szia Erika!

A javított változatot a téli képekkel pénteken küldtem jóváhagyásra, arra még nem
kaptam választ. Ha most jóváhagyod, egy órán belül kiküldöm.

Felhívhatlak 11-kor, hogy átbeszéljük a többit is?

Üdv,
Anna
"""},
    {"id": "nf16", "at": "2026-11-09 14:30", "reply": "an-nf15", "quote": True, "body": """\
Küldd ki. De legközelebb ne nekem kelljen utánajárni a dolgoknak.

Erika
"""},
    {"id": "nf17", "at": "2026-11-11 19:20", "subject": "Képek a weboldalon", "sig": True,
     "body": """\
Anna,

a weboldalon a Csomagok oldalon még mindig a nyári képek vannak. Ha ez így megy
tovább, keresnem kell valaki mást.
"""},
    {"id": "an-nf17", "at": "2026-11-12 09:30", "from": "anna", "reply": "nf17", "body": """\
Szia Erika!

Kicseréltem a képeket a Csomagok oldalon a téli fotókra. Sajnálom a csúszást; a
héten minden oldalt átnézek, hogy máshol se maradjon nyári kép.

Üdv,
Anna
"""},
    {"id": "nf18", "at": "2026-11-13 09:15", "reply": "an-nf17", "quote": True, "body": """\
Rendben, de ennek már két hete kész kellett volna lennie.

Erika
"""},
    # Invoices and payment reminders (Anna's Sent folder), and a promise to pay next week.
    {"id": "an-nf-inv09", "at": "2026-10-05 11:30", "from": "anna",
     "subject": "Számla 2026/0087 – szeptember", "body": """\
Szia Erika!

Mellékelten küldöm a szeptemberi munkáról szóló számlát (2026/0087, 600 EUR).
Fizetési határidő: október 13.

Üdv,
Anna
"""},
    {"id": "an-nf-rem1", "at": "2026-10-20 10:00", "from": "anna",
     "subject": "Fizetési emlékeztető – 2026/0087", "body": """\
Szia Erika!

Csak jelzem, hogy a 2026/0087 számú számla még nincs kiegyenlítve, a fizetési határidő
október 13-án lejárt. Kérlek, nézd meg, amikor tudod.

Üdv,
Anna
"""},
    {"id": "nf-promise", "at": "2026-10-21 15:10", "reply": "an-nf-rem1", "body": """\
Szia Anna!

Bocsánat, kicsit szűkös most a keret a felújítás miatt. Csak a jövő héten tudjuk utalni.

Erika
"""},
    {"id": "an-nf-rem2", "at": "2026-10-29 10:15", "from": "anna",
     "subject": "Fizetési emlékeztető – 2026/0087 (második)", "body": """\
Szia Erika!

A 2026/0087 számú számla még mindig nincs kiegyenlítve. Kérlek, utald el a héten.

Üdv,
Anna
"""},
    {"id": "an-nf-inv10", "at": "2026-11-02 10:00", "from": "anna",
     "subject": "Számla 2026/0112 – október", "body": """\
Szia Erika!

Mellékelten küldöm az októberi munkáról szóló számlát (2026/0112, 600 EUR).
Fizetési határidő: november 10.

Üdv,
Anna
"""},
    {"id": "an-nf-rem3", "at": "2026-11-11 10:00", "from": "anna",
     "subject": "Fizetési emlékeztető – 2026/0112", "body": """\
Szia Erika!

Köszönöm a szeptemberi számla rendezését. Az októberi, 2026/0112 számú számla még nincs
kiegyenlítve, a fizetési határidő tegnap lejárt.

Üdv,
Anna
"""},
]
