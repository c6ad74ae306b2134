"""Sample mailbox: Pixel & Co — floods vague one-liners (English).

Small client, many messages with little content, often three to five within ten minutes,
chasers soon after the previous message, and most of Anna's questions never answered.
Fictional people, written for inboxwatch.
"""

from typing import Any

CLIENT: dict[str, Any] = {
    "name": "Pixel & Co",
    "contact": "Tom Reed <tom@pixelco.example>",
    "to_anna": "anna@assist.example",
    "quote_style": "ios",
    "lang": "en",
    "signature": "Tom Reed\nPixel & Co - design that works\npixelco.example",
}

IPHONE = "\n\nSent from my iPhone"

MESSAGES: list[dict[str, Any]] = [
    # burst 1: Monday 5 October
    {"id": "px01", "at": "2026-10-05 11:02", "subject": "website", "body": """\
hey can you look at the thing on the website
"""},
    {"id": "px02", "at": "2026-10-05 11:04", "reply": "px01", "body": "the banner\n"},
    {"id": "px03", "at": "2026-10-05 11:07", "reply": "px02", "body": "??" + IPHONE},
    {"id": "px04", "at": "2026-10-05 11:09", "subject": "call me", "body": """\
call me when you can
"""},
    {"id": "an-px01", "at": "2026-10-05 11:40", "from": "anna", "reply": "px03", "body": """\
Hi Tom,

Happy to. Which banner do you mean, the slider on the homepage or the one on the
Services page? And what should change: the text, the image or the link?

Best,
Anna
"""},
    {"id": "px05", "at": "2026-10-05 16:30", "reply": "an-px01", "quote": True, "body": """\
the homepage one. make it pop more
"""},
    {"id": "px06", "at": "2026-10-06 09:15", "reply": "px05", "body": "any news" + IPHONE},
    {"id": "an-px06", "at": "2026-10-06 10:30", "from": "anna", "reply": "px06", "body": """\
Hi Tom,

I've made the headline larger, changed the button to your orange and swapped the
background for the darker studio photo. You can see it here:
https://staging.pixelco.example/

Is that what you had in mind?

Best,
Anna
"""},
    # burst 2: Wednesday 7 October
    {"id": "px07", "at": "2026-10-07 14:20", "subject": "hi", "body": "did you see my mail\n"},
    {"id": "px08", "at": "2026-10-07 14:22", "reply": "px07", "body": "the one from yesterday\n"},
    {"id": "px09", "at": "2026-10-07 14:26", "reply": "px08", "body": "re the invoices\n"},
    {"id": "px10", "at": "2026-10-07 14:27", "reply": "px09", "body": "?\n"},
    {"id": "an-px07", "at": "2026-10-07 15:10", "from": "anna", "reply": "px10", "body": """\
Hi Tom,

I can't find an email about invoices from yesterday; the last one I have from you
is about the homepage banner. Could you forward it again, or tell me which
invoices you mean (which month and which client)?

Thanks,
Anna
"""},
    {"id": "px11", "at": "2026-10-08 17:45", "reply": "an-px07", "quote": True, "body": """\
september ones. the usual
"""},
    # burst 3: Friday 9 October
    {"id": "px12", "at": "2026-10-09 10:05", "subject": "and", "body": "and the other one?\n"},
    {"id": "px13", "at": "2026-10-09 10:06", "reply": "px12", "body": "the logo" + IPHONE},
    {"id": "px14", "at": "2026-10-09 10:11", "reply": "px13", "body": "need it today pls\n"},
    {"id": "an-px12", "at": "2026-10-09 11:20", "from": "anna", "reply": "px14", "body": """\
Hi Tom,

Which logo file do you need: the full-colour PNG, the white version for dark
backgrounds, or the vector SVG? And should I send it to you or straight to the
printer?

Best,
Anna
"""},
    {"id": "px15", "at": "2026-10-09 18:20", "subject": "logo", "body": "nvm found it\n"},
    # burst 4: Monday 12 October
    {"id": "px16", "at": "2026-10-12 09:03", "subject": "monday", "body": """\
morning! couple of things
"""},
    {"id": "px17", "at": "2026-10-12 09:05", "reply": "px16", "body": "the post for tuesday\n"},
    {"id": "px18", "at": "2026-10-12 09:08", "reply": "px17", "body": """\
also can you do the thing with the newsletter like last time
"""},
    {"id": "an-px16", "at": "2026-10-12 10:15", "from": "anna", "reply": "px18", "body": """\
Morning Tom!

For Tuesday's post, is it the autumn offer (20% off branding packages) or the new
team photo?

And for the newsletter: last time we sent both the monthly update and a discount
code. Which one do you need this time, and when should it go out?

Best,
Anna
"""},
    {"id": "px19", "at": "2026-10-12 15:40", "subject": "update?", "body": "any update\n"},
    {"id": "px20", "at": "2026-10-13 08:50", "reply": "px19", "body": "hello?" + IPHONE},
    {"id": "px21", "at": "2026-10-13 09:02", "reply": "px20", "body": "the post is today right\n"},
    {"id": "an-px20", "at": "2026-10-13 09:45", "from": "anna", "reply": "px21", "body": """\
Hi Tom,

I haven't heard back about which post, so I've scheduled the autumn offer for
12:00 today. Let me know if you'd rather have the team photo and I'll swap it.

Best,
Anna
"""},
    # burst 5: Wednesday 14 October, attachment that is not there
    {"id": "px22", "at": "2026-10-14 13:30", "subject": "new pics", "body": """\
see attached
"""},
    {"id": "px23", "at": "2026-10-14 13:33", "reply": "px22", "body": "for the site\n"},
    {"id": "px24", "at": "2026-10-14 13:39", "reply": "px23", "body": "?" + IPHONE},
    {"id": "an-px23", "at": "2026-10-14 14:20", "from": "anna", "reply": "px24", "body": """\
Hi Tom,

Nothing was attached to your email, I'm afraid. Could you send the photos again
or share a Drive link? And which page are they for?

Thanks,
Anna
"""},
    {"id": "px25", "at": "2026-10-16 16:55", "reply": "an-px23", "quote": True, "body": """\
sent them via wetransfer yesterday didnt you get it
"""},
    # one clear request, for contrast
    {"id": "px26", "at": "2026-10-19 10:10", "subject": "Invoice for Lumen Cafe", "body": """\
Hi Anna, please send the October invoice to Lumen Cafe: 450 EUR for the menu
redesign, same billing details as September. Thanks

Tom
"""},
    {"id": "an-px26", "at": "2026-10-19 11:00", "from": "anna", "reply": "px26", "body": """\
Hi Tom,

Done: invoice PX-2026-031 (450 EUR) went to Lumen Cafe at 10:55, with the same
billing details as September.

Best,
Anna
"""},
    # burst 6: Wednesday 21 October
    {"id": "px27", "at": "2026-10-21 16:40", "subject": "quick one", "body": "quick one\n"},
    {"id": "px28", "at": "2026-10-21 16:41", "reply": "px27", "body": """\
can you change the colours
"""},
    {"id": "px29", "at": "2026-10-21 16:44", "reply": "px28", "body": """\
on the thing we discussed
"""},
    {"id": "an-px28", "at": "2026-10-22 09:40", "from": "anna", "reply": "px29", "body": """\
Hi Tom,

Which page or file should I change the colours on, and to which colours? I don't
think we've discussed a colour change yet, so a screenshot or the hex codes would
help a lot.

Best,
Anna
"""},
    {"id": "px30", "at": "2026-10-23 11:15", "subject": "colours",
     "body": "any news on the colours" + IPHONE},
    {"id": "px31", "at": "2026-10-25 21:10", "subject": "also", "body": """\
also the thing from last week
"""},
    # burst 7: Tuesday 27 October
    {"id": "px32", "at": "2026-10-27 10:00", "subject": "??", "body": "??\n"},
    {"id": "px33", "at": "2026-10-27 10:02", "reply": "px32", "body": """\
did you get my messages
"""},
    {"id": "px34", "at": "2026-10-27 10:05", "reply": "px33", "body": "pls call" + IPHONE},
    {"id": "px35", "at": "2026-10-27 10:07", "reply": "px34", "body": "not urgent\n"},
    {"id": "an-px34", "at": "2026-10-27 11:30", "from": "anna", "reply": "px35", "body": """\
Hi Tom,

Yes, I got them. I still need to know which colours you'd like changed and where
(see my email from last Thursday). Would a quick call at 14:00 today work for you?

Best,
Anna
"""},
    {"id": "px36", "at": "2026-10-29 15:20", "subject": "hows it going",
     "body": "hows it going with everything\n"},
    {"id": "px37", "at": "2026-11-02 09:30", "reply": "an-px26", "body": """\
they say they didnt get it??
"""},
    {"id": "an-px37", "at": "2026-11-02 10:05", "from": "anna", "reply": "px37", "body": """\
Hi Tom,

The invoice went to accounts@lumencafe.example on 19 October. I've resent it just
now and copied you in. Do they want it sent to a different address from now on?

Best,
Anna
"""},
    {"id": "px38", "at": "2026-11-02 17:40", "reply": "an-px37", "quote": True,
     "body": "no idea" + IPHONE},
    # burst 8: Wednesday 4 November
    {"id": "px39", "at": "2026-11-04 11:11", "subject": "one more thing",
     "body": "one more thing\n"},
    {"id": "px40", "at": "2026-11-04 11:12", "reply": "px39", "body": "the pdf\n"},
    {"id": "px41", "at": "2026-11-04 11:15", "reply": "px40", "body": """\
the one for the client. can you make it nicer
"""},
    {"id": "an-px40", "at": "2026-11-04 13:00", "from": "anna", "reply": "px41", "body": """\
Hi Tom,

Which PDF do you mean, the Lumen Cafe menu or the price list for Studio Nord?
And "nicer" in what way: a new layout, different fonts, or adding photos?

Best,
Anna
"""},
    {"id": "px42", "at": "2026-11-06 19:30", "subject": "news?", "body": "any news" + IPHONE},
    # burst 9: Tuesday 10 November
    {"id": "px43", "at": "2026-11-10 09:20", "subject": "morning", "body": """\
morning. need the thing by thursday
"""},
    {"id": "px44", "at": "2026-11-10 09:24", "reply": "px43", "body": "the pdf\n"},
    {"id": "px45", "at": "2026-11-10 09:27", "reply": "px44", "body": "and the colours\n"},
    {"id": "an-px43", "at": "2026-11-10 10:10", "from": "anna", "reply": "px45", "body": """\
Morning Tom,

I can do both by Thursday if you tell me:
1. which PDF, and what you'd like changed in it
2. which colours should change, and where

Could you reply with those details today?

Best,
Anna
"""},
    {"id": "px46", "at": "2026-11-12 16:10", "subject": "done?", "body": "so is it done\n"},
    {"id": "px47", "at": "2026-11-12 16:12", "reply": "px46", "body": "??" + IPHONE},
    {"id": "px48", "at": "2026-11-13 10:45", "reply": "px47", "body": "???\n"},
]
