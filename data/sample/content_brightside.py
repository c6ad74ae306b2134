"""Sample mailbox: Brightside Studio, the biggest client and a good one (English).

Clear, specific requests with deadlines days away; Anna's questions are answered within an
hour or two, in working hours; thanks are said. Fictional people, written for inboxwatch.
"""

from typing import Any

CLIENT: dict[str, Any] = {
    "name": "Brightside Studio",
    "contact": "Lisa Hart <lisa@brightside.example>",
    "lang": "en",
    "signature": ("Lisa Hart\nCreative Director, Brightside Studio\n"
                  "brightside.example | +44 20 7946 0321"),
}

JAMIE = "Jamie Cole <jamie@brightside.example>"
JAMIE_SIG = "Jamie Cole\nStudio Producer | Brightside Studio"

MESSAGES: list[dict[str, Any]] = [
    {"id": "bs01", "at": "2026-10-05 10:12", "subject": "October newsletter - copy and schedule",
     "sig": True, "body": """\
Hi Anna,

The October newsletter copy is ready in the shared doc ("Newsletter Oct 2026").
Could you build it in Mailchimp using the autumn template and schedule it for
Thursday 15 October, 08:00 UK time?

Please send me a test by Tuesday the 13th so I have a day to look it over.

Thanks so much,
Lisa
"""},
    {"id": "an-bs01", "at": "2026-10-05 11:05", "from": "anna", "reply": "bs01", "body": """\
Hi Lisa,

Thanks, I've got the doc open and will build it this week, test to you on Tuesday.

One question: the "Studio news" block has a placeholder for the new hire. Should I
include the announcement now, or do you want to keep it for November?

Best,
Anna
"""},
    {"id": "bs02", "at": "2026-10-05 12:20", "reply": "an-bs01", "quote": True, "body": """\
Good question - keep it for November, she only starts on the 2nd. You can drop the
block entirely this month.

Thanks for checking!
Lisa
"""},
    {"id": "bs03", "at": "2026-10-06 10:30", "from": JAMIE, "subject": "Harbour & Finch calls",
     "sig": JAMIE_SIG, "body": """\
Hi Anna,

Lisa asked me to get the Harbour & Finch review calls into the calendar. We need
three 45-minute calls next week (Tue, Wed and Thu), ideally early afternoon UK time.

Attendees on our side: Lisa, me and Sam from design. On theirs: Olivia Grant and
her assistant (olivia.grant@harbourfinch.example, ops@harbourfinch.example).

Could you send the invites from the studio calendar by Friday?

Cheers,
Jamie
"""},
    {"id": "an-bs03", "at": "2026-10-06 14:10", "from": "anna", "reply": "bs03", "body": """\
Hi Jamie,

The Tuesday and Wednesday calls are in the calendar (13:30 UK both days) and the
invites have gone out.

For Thursday, Olivia's assistant says they can only do 15:00 your time. Is that
OK for you, or shall I look at the following Monday instead?

Best,
Anna
"""},
    {"id": "bs04", "at": "2026-10-06 15:02", "from": JAMIE, "reply": "an-bs03", "body": """\
Thursday at 15:00 is fine, please book it. Thanks Anna!

Jamie
"""},
    {"id": "bs05", "at": "2026-10-08 09:45", "subject": "September retainer invoices",
     "sig": True, "body": """\
Morning Anna,

Could you draft the September invoices for our three retainer clients in Xero?
Figures and PO numbers are in Finance/2026-09 on the shared drive. Drafts only
please - I'll review and approve them on Monday.

Many thanks,
Lisa
"""},
    {"id": "an-bs05", "at": "2026-10-08 16:20", "from": "anna", "reply": "bs05", "body": """\
Hi Lisa,

The drafts for Morrow & Daughters and Tidewater Homes are ready in Xero.

For Kestrel Books, I noticed the retainer changed in September: should I bill the
old rate of 1,200 GBP or the new 1,450 GBP?

Best,
Anna
"""},
    {"id": "bs06", "at": "2026-10-09 09:20", "reply": "an-bs05", "quote": True, "body": """\
Hi Anna,

The new rate please, 1,450 - it applies from 1 September. Thank you for spotting it.

Lisa
"""},
    {"id": "bs07", "at": "2026-10-12 10:05", "subject": "Brief: winter campaign social posts",
     "kind": "html", "html": """\
<html><body style="font-family: Helvetica, Arial, sans-serif; font-size: 14px">
<p>Hi Anna,</p>
<p>Here is the brief for the <b>winter campaign</b> social posts:</p>
<ul>
<li><b>12 posts</b> in total, 4 a week from 2 November (Mon, Wed, Fri, Sun)</li>
<li>Captions are drafted in the doc &quot;Winter 2026 - social&quot;; please tighten them to
under 150 characters</li>
<li>Images are in Assets/Winter26, one per post, already cropped</li>
<li>Hashtags: #BrightsideWinter plus two topical ones per post</li>
</ul>
<p>Could you have everything ready for my review by <b>Wednesday 21 October</b>?</p>
<p>Thanks!<br>Lisa</p>
<p style="color:#888888">Lisa Hart<br>Creative Director, Brightside Studio</p>
</body></html>
"""},
    {"id": "an-bs07", "at": "2026-10-12 13:30", "from": "anna", "reply": "bs07", "body": """\
Hi Lisa,

Thanks for the clear brief, I'll have all 12 ready by the 21st.

Two of the posts are for the Maple & Co. stores in Boston. Do you want US spelling
for those two captions and UK spelling for the rest?

Best,
Anna
"""},
    {"id": "bs08", "at": "2026-10-12 14:15", "reply": "an-bs07", "quote": True, "body": """\
Good catch - yes, US spelling for the Maple & Co. ones, UK for everything else.

Lisa
"""},
    {"id": "an-bs-test", "at": "2026-10-13 11:00", "from": "anna",
     "subject": "October newsletter - test sent", "body": """\
Hi Lisa,

The test of the October newsletter is in your inbox. It is scheduled for Thursday
15 October, 08:00 UK time, to the main list (2,318 contacts).

If you'd like changes, let me know by Wednesday noon and I'll update it before
it goes out.

Best,
Anna
"""},
    {"id": "bs09", "at": "2026-10-13 15:40", "reply": "an-bs-test", "quote": True, "body": """\
Looks great! One small change: the second button should point to the autumn
lookbook page, not the homepage. Otherwise it's good to go.

Thanks,
Lisa
"""},
    {"id": "bs10", "at": "2026-10-16 11:20", "subject": "Newsletter results", "sig": True,
     "body": """\
Hi Anna,

Just a quick note: the October newsletter had our best open rate this year
(41%), and the lookbook link got 300+ clicks. Thank you for the careful work!

Lisa
"""},
    {"id": "bs11", "at": "2026-10-19 09:50", "from": JAMIE, "subject": "Manchester shoot travel",
     "sig": JAMIE_SIG, "body": """\
Hi Anna,

We're shooting in Manchester on 4 November. Could you book:

- return train tickets London Euston - Manchester Piccadilly for three people
  (Lisa, Sam and me), out on 4 Nov, back on 5 Nov after 16:00
- one night in a hotel near Ancoats, three single rooms, up to 150 GBP a night

No rush, by the end of next week is fine.

Thanks,
Jamie
"""},
    {"id": "an-bs11", "at": "2026-10-19 14:40", "from": "anna", "reply": "bs11", "body": """\
Hi Jamie,

I've found good options for both. For the outbound train on the 4th, would you
prefer the 07:30 (arrives 09:41) or the 08:30 (arrives 10:38)?

The hotel I'd suggest is the Millhouse on Cutting Room Square, 132 GBP a night.

Best,
Anna
"""},
    {"id": "bs12", "at": "2026-10-19 16:05", "from": JAMIE, "reply": "an-bs11", "quote": True,
     "body": """\
The 07:30 please - the crew call is at 11. Millhouse sounds perfect.

Cheers,
Jamie
"""},
    {"id": "an-bs12", "at": "2026-10-20 10:20", "from": "anna", "reply": "bs12", "body": """\
Hi Jamie,

All booked: 07:30 outbound on the 4th, 17:15 return on the 5th, and three rooms
at the Millhouse. The tickets and confirmations are in Travel/2026-11 on the drive.

Best,
Anna
"""},
    {"id": "bs13", "at": "2026-10-21 10:10", "reply": "an-bs07", "subject":
     "Re: Brief: winter campaign social posts - approved", "body": """\
Hi Anna,

I went through all 12 this morning - approved as they are. Please schedule them in
Later following the calendar in the brief. Lovely work on the captions.

Lisa
"""},
    {"id": "bs14", "at": "2026-10-27 10:40", "subject": "Year-end gift list", "sig": True,
     "body": """\
Hi Anna,

Could you put together a list of our 25 key contacts with postal addresses for the
year-end gifts? The CRM export is in Clients/crm-export-oct.csv, and the contacts
to include are marked "gift" in the last column.

No rush - any time before 13 November is fine.

Thanks,
Lisa
"""},
    {"id": "an-bs14", "at": "2026-10-28 15:15", "from": "anna", "reply": "bs14", "body": """\
Hi Lisa,

The list is almost done: 21 of the 25 contacts have a postal address in the CRM.

For the other four, shall I email them directly to ask, or would you rather I ask
their account managers first?

Best,
Anna
"""},
    {"id": "bs15", "at": "2026-10-28 16:00", "reply": "an-bs14", "cc": JAMIE, "body": """\
Please ask the account managers - I'd rather the gift stays a surprise. I've copied
Jamie, who looks after two of them.

Thanks!
Lisa
"""},
    {"id": "bs16", "at": "2026-11-02 10:15", "subject": "November newsletter", "sig": True,
     "body": """\
Hi Anna,

Time for the November newsletter. The copy is in "Newsletter Nov 2026" and this
time it includes the new-hire announcement (Priya starts today!).

Could you have a test ready by Tuesday 10 November? It goes out on Thursday the 12th.

Thanks,
Lisa
"""},
    {"id": "an-bs16", "at": "2026-11-02 11:30", "from": "anna", "reply": "bs16", "body": """\
Hi Lisa,

Will do, and welcome to Priya!

Do you have a photo of her for the new-hire block, or should I use the one from
her portfolio site?

Best,
Anna
"""},
    {"id": "bs17", "at": "2026-11-02 13:05", "reply": "an-bs16", "quote": True, "body": """\
Jamie is taking studio headshots this afternoon, he'll put Priya's in
Assets/Team by the end of the day. Please use that one.

Lisa
"""},
    {"id": "bs18", "at": "2026-11-05 14:20", "from": JAMIE, "reply": "an-bs12",
     "subject": "Re: Manchester shoot travel - expenses", "body": """\
Hi Anna,

Back from Manchester - everything went smoothly and the hotel was great, thanks.

Our receipts are in Expenses/2026-11. Could you add them to the October expense
report by next Friday (13th)?

Jamie
"""},
    {"id": "an-bs-nov", "at": "2026-11-10 12:00", "from": "anna", "reply": "bs16", "body": """\
Hi Lisa,

The November test is in your inbox, with Priya's headshot in the new-hire block.
It is scheduled for Thursday 12 November, 08:00 UK time.

The expenses from Manchester are in the October report as well.

Best,
Anna
"""},
    {"id": "bs19", "at": "2026-11-10 14:45", "reply": "an-bs-nov", "body": """\
Perfect, it's lovely. Leave it scheduled as it is.

Have a nice evening!
Lisa
"""},
    {"id": "bs20", "at": "2026-11-12 11:30", "subject": "December planning", "sig": True,
     "body": """\
Hi Anna,

Could we have a 30-minute call next week to plan December? We have the gift
mailing, the holiday newsletter and the studio closure notice to organise.

Tuesday or Wednesday afternoon would suit me best.

Lisa
"""},
    {"id": "an-bs20", "at": "2026-11-12 13:10", "from": "anna", "reply": "bs20", "body": """\
Hi Lisa,

Wednesday 18 November at 14:00 my time (13:00 yours) works for me. Shall I send a
calendar invite with a short agenda?

Best,
Anna
"""},
    {"id": "bs21", "at": "2026-11-12 13:40", "reply": "an-bs20", "body": """\
Yes please, that would be great. Thank you!

Lisa
"""},
]
