"""The report's shortcuts give what the plain way gives: one threading of a client's mail
shared by the scoring windows and the "waiting on" lists, and the quick tests that rule out
a message before the payment phrase rules."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxwatch.analysis.conversations import Mail, Timeline
from inboxwatch.analysis.scoring import Window, score_windows
from inboxwatch.analysis.waiting import waiting_questions, waiting_replies
from tests.test_conversations import NIGHT_SHIFT, OFFICE, at, mailboxes


@settings(max_examples=200, deadline=None)
@given(
    mailboxes(),
    st.lists(st.integers(3, 14), min_size=1, max_size=4),
    st.integers(2, 14),
    st.integers(1, 12),
)
def test_one_timeline_serves_the_scoring_windows_and_the_waiting_lists(
    mails: list[Mail], ends: list[int], as_day: int, since_day: int
) -> None:
    as_of, since = at(as_day, 12), at(since_day, 0)
    windows = [Window(at(day, 0) - timedelta(days=3), at(day, 0)) for day in ends]
    shared = Timeline(mails, OFFICE, [*(w.end for w in windows), as_of])
    assert score_windows("Acme", shared, windows, OFFICE) == score_windows(
        "Acme", mails, windows, OFFICE
    )
    # the lists see what could be known at as_of: the mail before it, threaded on its own
    before = [m for m in mails if m.date < as_of]
    assert waiting_questions("Acme", shared, OFFICE, as_of, since, 1.0) == waiting_questions(
        "Acme", before, OFFICE, as_of, since, 1.0
    )
    assert waiting_replies("Acme", shared, OFFICE, as_of, since, False) == waiting_replies(
        "Acme", before, OFFICE, as_of, since, False
    )


def test_a_shared_timeline_must_fit_what_it_is_used_for() -> None:
    mails = [Mail(1, "out", "Acme", at(3, 10), "Logo", "q@a", new_text="Could you send it?")]
    timeline = Timeline(mails, OFFICE, [at(5, 0)])
    assert Timeline.of(timeline, OFFICE, [at(5, 0)]) is timeline
    with pytest.raises(ValueError, match="not threaded"):
        waiting_questions("Acme", timeline, OFFICE, at(2, 0), datetime.min, 1.0)
    with pytest.raises(ValueError, match="another working time"):
        waiting_questions("Acme", timeline, NIGHT_SHIFT, at(5, 0), datetime.min, 1.0)
