"""Reading mbox and Maildir exports as a stream of raw messages."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest

from inboxwatch.errors import ExportError
from inboxwatch.sources.mailfiles import iter_export


def make_message(n: int, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"client{n}@acme.example"
    msg["To"] = "anna@assist.example"
    msg["Subject"] = f"message {n}"
    msg["Message-ID"] = f"<m{n}@acme.example>"
    msg.set_content(body)
    return msg


def test_mbox_messages_come_back_whole_and_unescaped(tmp_path: Path) -> None:
    path = tmp_path / "export.mbox"
    box = mailbox.mbox(str(path))
    bodies = ["hello\n", "From the start of a line\nsecond line\n", "third\n\n\n"]
    for n, body in enumerate(bodies):
        box.add(make_message(n, body))
    box.close()
    raws = list(iter_export(path))
    assert len(raws) == 3
    assert b"\nFrom the start of a line\n" in raws[1]  # mboxrd ">From " unquoted
    assert all(raw.startswith(b"From: client") for raw in raws)
    assert b"Subject: message 2" in raws[2]


def test_maildir_with_subfolders(tmp_path: Path) -> None:
    root = tmp_path / "Maildir"
    box = mailbox.Maildir(str(root))
    box.add(make_message(1, "inbox mail\n"))
    sent = box.add_folder("Sent")
    sent.add(make_message(2, "my reply\n"))
    raws = list(iter_export(root))
    assert len(raws) == 2
    assert {b"inbox mail" in r for r in raws} == {True, False}


def test_not_an_export_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("just some text\n")
    with pytest.raises(ExportError, match="not an mbox file"):
        list(iter_export(junk))
    with pytest.raises(ExportError, match="not a Maildir"):
        list(iter_export(tmp_path))
    with pytest.raises(ExportError, match="no such file"):
        list(iter_export(tmp_path / "missing.mbox"))
