"""Sample mailbox: Acme Kft. — "everything is urgent" and ignores working hours (Hungarian).

Most messages claim urgency; many arrive late at night, early in the morning, at weekends and
on the 23 October holiday; a few complain about speed. Fictional people, written for inboxwatch.
"""

from typing import Any

CLIENT: dict[str, Any] = {
    "name": "Acme Kft.",
    "contact": "Tóth Gábor <boss@acme.example>",
    "lang": "hu",
    "reply_prefix": "RE: ",
    "headers": {"X-Mailer": "Microsoft Outlook 16.0"},
    "signature": (
        "Tóth Gábor\nügyvezető\nAcme Kft. | 1117 Budapest, Példa utca 12.\n+36 30 555 0142\n\n"
        "A jelen e-mail és mellékletei bizalmas információkat tartalmazhatnak, kizárólag a\n"
        "címzett részére szólnak. Ha tévedésből kapta meg, kérjük, értesítse a feladót."),
}

PHONE = {"X-Mailer": "iPhone Mail (23B85)"}
REKA = "Kiss Réka <penzugy@acme.example>"

MESSAGES: list[dict[str, Any]] = [
    {"id": "ac01", "at": "2026-10-05 06:34", "subject": "SÜRGŐS - ajánlat a Kertész Zrt.-nek",
     "headers": PHONE, "body": """\
Anna,

a Kertész-féle ajánlatot ma délutánra meg kell csinálni. A tavalyi alapján, az árakat
emeld meg 8%-kal. Azonnal kezdd el légyszi, ez most mindennél fontosabb.

iPhone-ról küldve
"""},
    {"id": "an-ac01", "at": "2026-10-05 09:40", "from": "anna", "reply": "ac01", "body": """\
Szia Gábor!

Elkezdtem. A tavalyi ajánlatban két változat volt, egy alap és egy prémium csomag.
Mindkettőt frissítsem, vagy csak a prémiumot?

Üdv,
Anna
"""},
    {"id": "ac02", "at": "2026-10-05 09:52", "reply": "an-ac01", "sig": True, "body": """\
Mindkettőt. És siess vele, háromkor beszélek velük telefonon.
"""},
    {"id": "an-ac02", "at": "2026-10-05 13:45", "from": "anna", "reply": "ac02", "body": """\
Szia Gábor!

Kész az ajánlat, feltöltöttem a közös mappába (Ajánlatok/Kertesz_2026_10.docx).
Mindkét változatban 8%-kal emeltem az árakat, a szállítási feltételek maradtak.

Üdv,
Anna
"""},
    {"id": "ac03", "at": "2026-10-05 21:47", "subject": "holnap reggel", "sig": True, "body": """\
Anna, holnap reggel 8-ra kell a heti kimutatás a bankszámlákról. ASAP.
Köszi
"""},
    {"id": "ac04", "at": "2026-10-06 22:15", "reply": "an-ac02", "quote": "outlook", "sig": True,
     "body": """\
Anna,

Kertészék most szóltak, hogy angolul is kérik az ajánlatot. Holnap délelőtt kell,
ne felejtsd el!!
"""},
    {"id": "an-ac04", "at": "2026-10-07 11:30", "from": "anna", "reply": "ac04", "body": """\
Szia Gábor!

Az angol változat elkészült, ugyanabban a mappában találod (Kertesz_2026_10_EN.docx).

Egy kérésem lenne: az ilyen feladatokat lehetőleg napközben küldd, így biztosan időben
tudok velük kezdeni. Az esti leveleket csak másnap reggel látom.

Üdv,
Anna
"""},
    {"id": "ac05", "at": "2026-10-07 13:10", "reply": "an-ac04", "sig": True, "body": """\
Ok, köszi. Most viszont azonnal kellene egy lista a nyitott vevői számlákról,
ma 3-ig. Sürgős.
"""},
    {"id": "ac06", "at": "2026-10-10 10:22", "subject": "Hétfőre!!!", "headers": PHONE,
     "body": """\
Hétfő reggelre kell egy prezentáció a negyedéves számokról, kb 10 dia. Sürgős!!!
Az adatok a szokásos helyen vannak.

iPhone-ról küldve
"""},
    {"id": "ac07", "at": "2026-10-11 19:05", "reply": "ac06", "subject": "Re: Hétfőre!!!",
     "headers": PHONE, "body": """\
Megvan már? Ma este át akarom nézni.

iPhone-ról küldve
"""},
    {"id": "an-ac06", "at": "2026-10-12 09:30", "from": "anna", "reply": "ac07", "body": """\
Szia Gábor!

A prezentációt ma délre megkapod. Melyik időszak legyen az összehasonlítás alapja,
a tavalyi harmadik negyedév vagy az idei második?

Üdv,
Anna
"""},
    {"id": "ac08", "at": "2026-10-12 09:41", "reply": "an-ac06", "quote": True, "body": """\
A tavalyi Q3. De a dél késő, 11-re kell!!

Gábor
"""},
    {"id": "ac09", "at": "2026-10-12 22:48", "subject": "prezi", "sig": True, "body": """\
Anna,

a 4. dián rossz színű a grafikon, a 7. dia pedig túl zsúfolt, abból legyen kettő.
Holnap reggel ez legyen az első dolgod, mert 10-kor megyek vele a bankba.
"""},
    {"id": "ac10", "at": "2026-10-14 06:40", "subject": "Szállítói szerződések",
     "headers": PHONE, "body": """\
Anna, ma kell átnézni a három szállítói szerződést, hogy mikor járnak le és mennyi a
felmondási idő. Sürgős, 10-kor tárgyalok a Délkerrel.

iPhone-ról küldve
"""},
    {"id": "an-ac10", "at": "2026-10-14 09:55", "from": "anna", "reply": "ac10", "body": """\
Szia Gábor!

Átnéztem a szerződéseket:
- Vas-Trans Kft.: 2027. március 31-ig, 30 napos felmondási idő
- Pannon Papír Zrt.: 2027. június 30-ig, 30 napos felmondási idő
- Délker Kft.: 2026. december 31-ig, 60 napos felmondási idő

A Délkernél tehát november 1-ig lehetett volna felmondani, ezt érdemes lehet a
tárgyaláson szóba hozni.

Üdv,
Anna
"""},
    {"id": "ac11", "at": "2026-10-15 16:50", "reply": "an-ac10", "sig": True, "body": """\
Miért csak most látom ezt? 10 előtt kellett volna. Legközelebb gyorsabban légyszi,
így nem tudok felkészülni.
"""},
    {"id": "ac12", "at": "2026-10-16 21:30", "subject": "hírlevél a partnereknek", "sig": True,
     "body": """\
Anna,

ki kellene küldeni a partnereknek egy hírlevelet az új árlistáról. Hétfő reggelre
legyen kész, ASAP. A szöveget te írd meg, az árlista a Pénzügy mappában van.
"""},
    {"id": "ac13", "at": "2026-10-17 08:15", "reply": "ac12", "headers": PHONE,
     "subject": "Re: hírlevél a partnereknek", "body": """\
Anna? Válaszolj légyszi, ez sürgős.

iPhone-ról küldve
"""},
    {"id": "an-ac12", "at": "2026-10-19 09:20", "from": "anna", "reply": "ac13", "body": """\
Szia Gábor!

A hírlevél tervezetét ma délre küldöm. Az új árlistát PDF-ben csatoljuk, vagy csak
linkeljük a weboldalra?

Üdv,
Anna
"""},
    {"id": "ac14", "at": "2026-10-19 09:24", "reply": "an-ac12", "quote": "outlook",
     "sig": True, "body": """\
Csatoljuk. Délre?? Azonnal kellene, a partnerek már kérdezik.
"""},
    {"id": "ac15", "at": "2026-10-20 11:15", "subject": "Lejárt számlák", "sig": True,
     "body": """\
Anna,

Kiss Réka küld neked egy listát a lejárt számlákról. Ezeket az ügyfeleket ma fel
kell hívni, mindenkinél kérj fizetési dátumot. Sürgős.
"""},
    {"id": "ac16", "at": "2026-10-20 11:40", "from": REKA, "reply": "ac15",
     "subject": "RE: Lejárt számlák", "sig": "Kiss Réka\npénzügy | Acme Kft.\n+36 1 555 0178",
     "body": """\
Szia Anna!

Gábor kérésére küldöm a lejárt számlák listáját: hat tétel, a táblázat a közös
mappában van (Pénzügy/lejart_2026_10.xlsx). A kapcsolattartók telefonszáma is benne van.

Köszönöm a segítséget!
Réka
"""},
    {"id": "an-ac15", "at": "2026-10-20 15:30", "from": "anna", "reply": "ac15", "body": """\
Szia Gábor!

A hat ügyfélből négyet elértem, a fizetési dátumokat beírtam Réka táblázatába.
A Fehér Bt.-t és a Moldvai és Társa Kft.-t nem sikerült elérnem. Holnap délelőtt
próbáljam újra telefonon, vagy küldjek nekik e-mailes emlékeztetőt?

Üdv,
Anna
"""},
    {"id": "ac17", "at": "2026-10-20 23:05", "reply": "an-ac15", "quote": True, "sig": True,
     "body": """\
Mindkettőt. És ezt ma kellett volna befejezni, nem holnap.
"""},
    {"id": "ac18", "at": "2026-10-23 10:30", "subject": "Hétfő reggel 8!", "sig": True,
     "body": """\
Anna,

tudom, hogy ünnep van, de hétfő reggel 8-ra kell egy összefoglaló a heti
eredményekről az igazgatótanácsnak. Nagyon fontos, ne csússzon!
"""},
    {"id": "ac19", "at": "2026-10-24 22:10", "reply": "ac18", "subject": "Re: Hétfő reggel 8!",
     "headers": PHONE, "body": """\
Ne felejtsd el!! Reggel 8!!

iPhone-ról küldve
"""},
    {"id": "ac20", "at": "2026-10-25 20:30", "subject": "Ajánlat Fehér Bt.", "sig": True,
     "body": """\
Anna,

holnap délelőttre kell egy ajánlat a Fehér Bt.-nek is. Ugyanaz, mint a Kertész,
csak kisebb volumen, 5% kedvezménnyel. Azonnal kezdd, ahogy reggel leülsz.
"""},
    {"id": "an-ac18", "at": "2026-10-26 09:35", "from": "anna", "reply": "ac20", "body": """\
Szia Gábor!

Az összefoglalót 11-re küldöm, reggel 8-ra, a munkaidőm előtt sajnos nem tudom
vállalni. A Fehér Bt. ajánlatát délután 3-ra készítem el. Megfelel így?

Üdv,
Anna
"""},
    {"id": "ac21", "at": "2026-10-26 09:50", "reply": "an-ac18", "subject": "Vá: Ajánlat Fehér Bt.",
     "sig": True, "body": """\
Nem igazán, de ha máshogy nem megy... A Fehér ajánlat viszont 1-re kell, ott nincs
mozgástér.
"""},
    {"id": "ac22", "at": "2026-10-28 21:40", "subject": "weboldal - ROSSZ TELEFONSZÁM",
     "headers": PHONE, "body": """\
A weboldalon a Kapcsolat oldalon rossz telefonszám van, ezt azonnal javítani kell!!!
Az ügyfelek a régi számot hívják.

iPhone-ról küldve
"""},
    {"id": "an-ac22", "at": "2026-10-29 09:15", "from": "anna", "reply": "ac22", "body": """\
Szia Gábor!

Kijavítottam, a Kapcsolat oldalon és a láblécben is a +36 30 555 0142 szerepel.
A Google Cégprofilban is átírtam a számot.

Üdv,
Anna
"""},
    {"id": "ac23", "at": "2026-10-29 14:20", "reply": "an-ac22", "sig": True, "body": """\
Köszi. Jövő héten lesz egy nagyobb feladat, a novemberi partnertalálkozó
szervezése, a részleteket később küldöm.
"""},
    {"id": "ac24", "at": "2026-10-31 07:10", "subject": "Partnertalálkozó nov. 12.",
     "sig": True, "body": """\
Anna,

a november 12-i partnertalálkozóhoz kell:
- helyszín kb. 30 főre, Budán, délutánra
- catering (állófogadás)
- meghívók a partnereknek

A meghívóknak hétfőn ki kell menniük, ez sürgős!
"""},
    {"id": "an-ac24", "at": "2026-11-02 10:00", "from": "anna", "reply": "ac24", "body": """\
Szia Gábor!

Három szabad helyszínt találtam november 12-re, délutánra:
1. Duna-parti rendezvényterem (Bem rakpart), 35 fő, 180 000 Ft
2. Kelenföldi Kreatív Ház, 30 fő, 140 000 Ft
3. Várkert Szalon, 40 fő, 260 000 Ft

Melyiket foglaljam le? A meghívó szövegét közben megírom.

Üdv,
Anna
"""},
    {"id": "ac25", "at": "2026-11-02 21:15", "reply": "an-ac24", "quote": "outlook",
     "sig": True, "body": """\
A Duna-partit. Foglald le még ma!!
"""},
    {"id": "ac26", "at": "2026-11-03 06:45", "reply": "ac25", "headers": PHONE, "body": """\
Lefoglaltad már?? Azonnal kell, mert elviszik.

iPhone-ról küldve
"""},
    {"id": "an-ac26", "at": "2026-11-03 09:20", "from": "anna", "reply": "ac26", "body": """\
Szia Gábor!

Lefoglaltam a Duna-parti termet november 12-re 14 és 18 óra között, a visszaigazolás
a közös mappában van. A meghívókat ma délután küldöm ki a partnerlistára.

Üdv,
Anna
"""},
    {"id": "ac27", "at": "2026-11-04 10:05", "subject": "Meghívók??", "sig": True, "body": """\
Anna, miért nem kaptam még másolatot a meghívóról? Mondtam, hogy hétfőn ki kell
mennie! Így nem lehet dolgozni, mindenre háromszor rá kell kérdeznem.
"""},
    {"id": "ac28", "at": "2026-11-05 22:30", "subject": "catering", "sig": True, "body": """\
Anna,

a cateringnél 5 főre vegán menü is kell, ezt ma kellett volna szólni nekik.
Reggel azonnal intézd el.
"""},
    {"id": "ac29", "at": "2026-11-08 18:40", "subject": "Hétfő reggel - lista",
     "headers": PHONE, "body": """\
Holnap reggelre kell a végleges résztvevőlista és az ültetési rend. Sürgős.

iPhone-ról küldve
"""},
    {"id": "an-ac29", "at": "2026-11-09 10:30", "from": "anna", "reply": "ac29", "body": """\
Szia Gábor!

A végleges résztvevőlista kész (28 fő), a vegán menüt is jeleztem a cateringnek.

Az ültetési rendhez: kerekasztalos elrendezést szeretnél, vagy színházi
elrendezést a bemutatóhoz?

Üdv,
Anna
"""},
    {"id": "ac30", "at": "2026-11-09 12:10", "reply": "an-ac29", "quote": True, "body": """\
Kerekasztal. És ASAP kérem.

Gábor
"""},
    {"id": "ac31", "at": "2026-11-11 16:55", "subject": "Névkártyák holnapra", "sig": True,
     "body": """\
Anna, holnapra kell még névkártya mind a 28 főnek, ma estig nyomtatható PDF-ben.
Sürgős!
"""},
    {"id": "ac32", "at": "2026-11-13 07:05", "subject": "Köszönet + összefoglaló",
     "sig": True, "body": """\
Anna,

jól sikerült a találkozó, köszi a segítséget. Hétfő reggelre viszont kellene egy
rövid összefoglaló levél a partnereknek, fotókkal. Azonnal, ahogy ránézel.
"""},
]
