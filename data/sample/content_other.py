"""Sample mailbox: senders who are not clients (newsletters, a bank, strangers).

None of these match a configured client, so they stay unassigned. Fictional senders,
written for inboxwatch.
"""

from typing import Any

CLIENT: dict[str, Any] = {
    "name": None,
    "lang": "hu",
    "signature": "",
}

NEWSLETTER = "Szabadúszó Műhely <hirlevel@szabaduszo.example>"
BANK = "Példa Bank <ertesites@peldabank.example>"
VARGA = "Varga Péter <varga.peter@mailbox.example>"

MESSAGES: list[dict[str, Any]] = [
    {"id": "ot01", "at": "2026-10-06 06:00", "from": NEWSLETTER, "kind": "html",
     "subject": "Októberi tippek: így mondj nemet egy sürgős kérésre",
     "headers": {"List-Unsubscribe": "<https://szabaduszo.example/leiratkozas>",
                 "Precedence": "bulk"},
     "html": """\
<!DOCTYPE html>
<html lang="hu"><head><meta charset="utf-8"><title>Szabadúszó Műhely</title></head>
<body style="margin:0;background:#f4f1ea">
<table width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table width="600" style="background:#ffffff;font-family:Georgia,serif;color:#333333">
<tr><td style="padding:24px">
<h1 style="font-size:22px">Októberi tippek szabadúszóknak</h1>
<p>Kedves Olvasónk!</p>
<p>Ebben a hónapban arról írunk, hogyan kezeld azt az ügyfelet, akinek minden
kérése sürgős. Három bevált lépés:</p>
<ol>
<li><b>Kérdezz rá a valódi határidőre.</b> A &bdquo;minél előbb&rdquo; ritkán jelenti
azt, hogy &bdquo;ma este&rdquo;.</li>
<li><b>Válaszolj munkaidőben.</b> Ha este tízkor is azonnal reagálsz, az ügyfél ezt
fogja elvárni.</li>
<li><b>Rögzítsd írásban a megállapodást.</b> Később erre hivatkozhatsz.</li>
</ol>
<p><a href="https://szabaduszo.example/blog/surgos">Tovább a teljes cikkhez</a></p>
<p style="font-size:11px;color:#999999">Azért kapod ezt a levelet, mert feliratkoztál a
Szabadúszó Műhely hírlevelére. <a href="https://szabaduszo.example/leiratkozas">Leiratkozás</a></p>
</td></tr></table>
</td></tr></table>
</body></html>
"""},
    {"id": "ot02", "at": "2026-10-15 08:12", "from": BANK,
     "subject": "Jóváírás érkezett a számlájára", "body": """\
Tisztelt Ügyfelünk!

Értesítjük, hogy a ****-****-4471 végű devizaszámláján jóváírás történt.

Összeg: 2 400,00 EUR
Küldő: BRIGHTSIDE STUDIO LTD
Közlemény: INV-AK-2026-09
Értéknap: 2026.10.15.

Ez egy automatikus értesítés, kérjük, ne válaszoljon rá.

Üdvözlettel:
Példa Bank Zrt.
"""},
    {"id": "ot03", "at": "2026-10-19 17:45", "from": VARGA,
     "subject": "Érdeklődés - adminisztratív segítség", "body": """\
Jó napot kívánok!

Horváth Zsófiától kaptam az elérhetőségét, nagyon ajánlotta. Van egy kis
webáruházunk (kézműves kerámia), és heti 5-6 órában keresnénk valakit a
rendelések visszaigazolására és a vevői levelekre.

Tudnánk jövő héten beszélni telefonon pár percet?

Üdvözlettel:
Varga Péter
"""},
    {"id": "an-ot03", "at": "2026-10-20 10:00", "from": "anna", "reply": "ot03", "body": """\
Kedves Péter!

Köszönöm a megkeresést, és üdvözlöm Zsófit is! Szívesen beszélek Önnel. Jövő héten
kedden vagy szerdán 10 és 12 óra között hívhatom; melyik időpont lenne jó?

Üdvözlettel:
Kovács Anna
"""},
    {"id": "ot04", "at": "2026-11-03 06:00",
     "from": "Remote Work Weekly <news@remoteweekly.example>",
     "subject": "Remote Work Weekly #112: boundaries that stick",
     "headers": {"List-Unsubscribe": "<https://remoteweekly.example/unsubscribe>",
                 "Precedence": "bulk"},
     "body": """\
REMOTE WORK WEEKLY - Issue #112

This week: boundaries that stick

1. Working hours are a promise to yourself. Put them in your email signature and
   your auto-reply, then keep them.
2. Batch your replies. Two or three fixed slots a day beat an always-open inbox.
3. Clients who never answer your questions are telling you something. Track it.

Read online: https://remoteweekly.example/112

You are receiving this because you subscribed at remoteweekly.example.
Unsubscribe: https://remoteweekly.example/unsubscribe
"""},
    {"id": "ot05", "at": "2026-11-05 03:14",
     "from": "CloudDocs Billing <billing@clouddocs.example>",
     "to": "anna@assist.example", "subject": "Your CloudDocs invoice for November",
     "body": """\
Hello,

Your invoice CD-88412 for the CloudDocs Team plan (November 2026) is ready.

Amount: 12.00 EUR
Payment method: card ending in 0917
Status: paid

View or download it in your account: https://clouddocs.example/billing

Thanks for using CloudDocs.
"""},
    {"id": "ot06", "at": "2026-11-07 10:30", "from": "Sam Patel <sam@harbourlight.example>",
     "subject": "Event support in December?", "body": """\
Hi Anna,

I found your profile on a freelancers' directory. We're organising a small design
conference in Vienna on 10-11 December and need someone to handle speaker travel
and the registration inbox for about three weeks.

Would you have capacity for that? Happy to send details.

Kind regards,
Sam Patel
Harbourlight Events
"""},
]
