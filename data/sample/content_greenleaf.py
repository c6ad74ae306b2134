"""Sample mailbox: Green Leaf Ltd — a good, quiet client (English).

A maker of refillable cleaning products. Few messages, specific requests with comfortable
deadlines, answers within a working day. Fictional people, written for inboxwatch.
"""

from typing import Any

CLIENT: dict[str, Any] = {
    "name": "Green Leaf Ltd",
    "contact": "Mark Ellison <mark@greenleaf.example>",
    "lang": "en",
    "signature": ("Mark Ellison\nOperations Manager\nGreen Leaf Ltd - refill, reuse, repeat\n"
                  "greenleaf.example"),
    "headers": {"X-Mailer": "Apple Mail (2.3826.500.181)"},
}

MESSAGES: list[dict[str, Any]] = [
    {"id": "gl01", "at": "2026-10-07 10:30", "subject": "PO for Baltic Pack - November order",
     "kind": "pdf", "attachment": "GL-PO-2611.pdf", "sig": True, "body": """\
Hi Anna,

Attached is purchase order GL-PO-2611 for the November packaging order. Could you
send it to Baltic Pack (orders@balticpack.example) and ask them to confirm the
delivery date by the end of next week?

Best,
Mark
"""},
    {"id": "an-gl01", "at": "2026-10-07 13:20", "from": "anna", "reply": "gl01", "body": """\
Hi Mark,

I've sent the PO to Baltic Pack and asked for a delivery date by Friday 16 October.

One thing I noticed: the PO lists 4,000 refill pouches, but their minimum order has
been 5,000 since September. Should I ask them to accept 4,000 anyway, or shall we
raise the order to 5,000?

Best regards,
Anna
"""},
    {"id": "gl02", "at": "2026-10-08 10:05", "reply": "an-gl01", "quote": True, "body": """\
Good spot, thank you. Raise it to 5,000 - we'll use them up by January anyway.

Mark
"""},
    {"id": "gl03", "at": "2026-10-20 11:15", "subject": "October stock summary", "kind": "alt",
     "sig": True, "body": """\
Hi Anna,

Could you put together the October stock summary from the warehouse sheet, in the
same format as September's? Any time before 3 November is fine.

Many thanks,
Mark
""", "html": """\
<html><body>
<div style="font-family: -apple-system, Helvetica, sans-serif">
<p>Hi Anna,</p>
<p>Could you put together the October stock summary from the warehouse sheet, in the
same format as September's? Any time before <b>3 November</b> is fine.</p>
<p>Many thanks,<br>Mark</p>
<p>--<br>Mark Ellison<br>Operations Manager<br>Green Leaf Ltd - refill, reuse, repeat<br>
<a href="https://greenleaf.example">greenleaf.example</a></p>
</div>
</body></html>
"""},
    {"id": "gl04", "at": "2026-10-30 14:00", "reply": "gl02",
     "subject": "Re: PO for Baltic Pack - November order", "body": """\
Hi Anna,

Baltic Pack have confirmed delivery of the 5,000 pouches for 16 November. Thanks
for chasing them.

Mark
"""},
    {"id": "an-gl03", "at": "2026-11-02 14:30", "from": "anna", "reply": "gl03", "body": """\
Hi Mark,

The October stock summary is in the shared folder (Stock/2026-10-summary.xlsx).

Two items are below their reorder level: the 5 l lavender refill and the 500 ml
glass spray bottles. Shall I request quotes for both?

Best regards,
Anna
"""},
    {"id": "gl05", "at": "2026-11-02 16:20", "reply": "an-gl03", "quote": True, "body": """\
Yes please, for both. Three quotes each if you can find them.

Thanks,
Mark
"""},
    {"id": "gl06", "at": "2026-11-10 10:40", "subject": "Refill and bottle quotes", "sig": True,
     "body": """\
Hi Anna,

Thanks for the quotes, very clear. We'll go with EcoFill for the lavender refill and
stay with our current supplier for the bottles. Could you place both orders this week?

Best,
Mark
"""},
    {"id": "an-gl06", "at": "2026-11-11 11:00", "from": "anna", "reply": "gl06", "body": """\
Hi Mark,

Both orders are placed; I've forwarded the two order confirmations to you. EcoFill
will deliver on 20 November, the bottles arrive on the 24th.

Best regards,
Anna
"""},
    {"id": "gl07", "at": "2026-11-11 11:45", "reply": "an-gl06", "quote": True, "body": """\
Brilliant, thank you Anna.

Mark
"""},
    {"id": "gl08", "at": "2026-11-12 15:10", "subject": "Christmas closing", "sig": True,
     "body": """\
Hi Anna,

FYI, we're closed from 23 December to 2 January. Could you set up an out-of-office
reply on the orders@ inbox by 18 December? No rush at all.

Best,
Mark
"""},
]
