"""Text taken from mail cannot steer the terminal that shows the report (issue #12, item 10).

A sender controls the Subject. Printed raw, it could plant an OSC 8 link, hidden text, a
window-title change, a clear screen followed by a fake "All clients OK", a C1 CSI, or a
right-to-left override that turns "cod.exe" into "exe.doc". Headers are scrubbed when they
are decoded (``inboxwatch.parsing.mime``) and again when the report is rendered
(``inboxwatch.reporting.render``, for mail stored before the scrubbing existed); a client
name with a line break or a control character in the config is a config error.
"""

from __future__ import annotations

import base64
import hashlib
import mailbox
import os
import subprocess
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from inboxwatch.config import parse_config
from inboxwatch.errors import ConfigError
from inboxwatch.storage.schema import messages
from inboxwatch.storage.store import NewMessage, Store
from inboxwatch.text import scrub_controls
from tests.tools.service_env import run_cli

ROOT = Path(__file__).resolve().parent.parent
REPORT_DAY = date(2026, 11, 13)

# What a hostile sender puts in a subject, each with the harmless text around it.
ATTACKS = {
    "osc8 link": "\x1b]8;;https://evil.example/\x1b\\Invoice\x1b]8;;\x1b\\",
    "hidden text": "Budget \x1b[8mwire the money to evil\x1b[0m",
    "title change": "\x1b]0;inboxwatch: all clear\x07Logo draft",
    "clear screen": "\x1b[2J\x1b[HAll clients OK",
    "c1 csi": "Deadline \x9b2J",
    "bidi override": "contract \u202egpj.exe",
    "bidi isolate": "offer \u2067hidden\u2069 terms",
    "tag smuggling": "Thanks" + "".join(chr(0xE0000 + ord(c)) for c in "ignore this"),
}
# Ordinary text that must come through unchanged: accents, emoji, a ZWJ emoji sequence.
KEPT = "Árvíztűrő tükörfúrógép 👩\u200d💻 ✅"


def _encoded(text: str) -> str:
    """An RFC 2047 encoded word: how a sender gets any character into a header."""
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def _hostile_mbox(path: Path) -> int:
    """An mbox of after-hours mail from the client whose subjects carry every attack (as
    encoded words, and one raw ESC in a plain header), and one with ordinary text."""
    box = mailbox.mbox(str(path))
    subjects = [_encoded(f"URGENT {name}: {attack}") for name, attack in ATTACKS.items()]
    subjects += ["URGENT raw \x1b[31mred\x1b[0m escape", _encoded(f"URGENT {KEPT}")]
    for i, subject in enumerate(subjects * 3):
        when = datetime.combine(REPORT_DAY - timedelta(days=1 + i % 12), time(21, 30), tzinfo=UTC)
        raw = (
            f"From: Boss <boss@acme.example>\r\nTo: anna@assist.example\r\n"
            f"Subject: {subject}\r\nDate: {format_datetime(when)}\r\n"
            f"Message-ID: <hostile-{i}@acme.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "URGENT!!! I need this today, ASAP. Call me now!\r\n"
        ).encode()
        box.add(raw)
    box.flush()
    box.close()
    return len(subjects) * 3


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "iw.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "iw.db"}"\n'
        '[me]\naddresses = ["anna@assist.example"]\ntimezone = "Europe/Budapest"\n'
        "[report]\nmin_messages = 1\n"
        '[[clients]]\nname = "Acme Kft."\naddresses = ["@acme.example"]\n',
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(config, *args, env=dict(os.environ), timeout=300)


def _dangerous(text: str) -> list[str]:
    """The control and format characters in *text* (line breaks of the layout and the
    joiners of emoji sequences aside)."""
    return sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if c not in "\n\u200c\u200d" and unicodedata.category(c) in ("Cc", "Cf")
        }
    )


def test_hostile_subjects_through_import_and_report_cannot_steer_the_terminal(
    tmp_path: Path,
) -> None:
    mbox = tmp_path / "hostile.mbox"
    count = _hostile_mbox(mbox)
    config = _config(tmp_path)
    imported = _cli(config, "import", str(mbox))
    assert imported.returncode == 0, imported.stderr
    report = _cli(config, "report", "--date", f"{REPORT_DAY:%Y-%m-%d}")
    assert report.returncode == 0, report.stderr
    out = report.stdout

    assert "Acme Kft." in out and "⚠ needs attention" in out, out
    shown = [line for line in out.splitlines() if "URGENT" in line]
    assert shown, f"no evidence line shows a subject:\n{out}"
    assert _dangerous(out) == [], out
    # The planted sequences are visible as U+FFFD, not obeyed: the reader sees an oddity.
    assert "Deadline \ufffd2J" in out and "\ufffd]0;inboxwatch: all clear" in out, out
    # The text shows the newest evidence only; the JSON (printed with ensure_ascii off,
    # so C1 controls and bidi overrides would reach the terminal) shows all of it.
    as_json = _cli(config, "report", "--format", "json", "--date", f"{REPORT_DAY:%Y-%m-%d}")
    assert as_json.returncode == 0 and "All clients OK" in as_json.stdout, as_json.stderr
    assert _dangerous(as_json.stdout) == [], as_json.stdout
    stored = _stored_subjects(tmp_path / "iw.db")
    assert len(stored) == count
    for subject in stored:  # scrubbed when the header was decoded, before storing
        assert _dangerous(subject) == [], repr(subject)
    assert f"URGENT {KEPT}" in stored  # accents, emoji and the ZWJ sequence kept
    assert "URGENT bidi override: contract \ufffdgpj.exe" in stored
    assert "URGENT tag smuggling: Thanks" in stored  # the hidden tag text is gone


def _stored_subjects(db: Path) -> list[str]:
    store = Store.open(f"sqlite:///{db}")
    try:
        with store.engine.connect() as conn:
            return list(conn.execute(select(messages.c.subject)).scalars())
    finally:
        store.close()


def test_report_and_alert_mail_scrub_subjects_stored_raw(sqlite_store: Store) -> None:
    """Mail stored before headers were scrubbed still holds raw escapes: the text report,
    the plain-text and HTML parts of the alert mail and the JSON scrub them again."""
    from inboxwatch.reporting.build import build_report
    from inboxwatch.reporting.render import alert_email, render_json, render_text

    config = parse_config(
        {
            "me": {"addresses": ["anna@assist.example"], "timezone": "Europe/Budapest"},
            "clients": [{"name": "Acme Kft.", "addresses": ["@acme.example"]}],
            "report": {"min_messages": 1},
        },
        "test",
    )
    attacks = [*ATTACKS.values(), KEPT]
    records = []
    for i in range(40):
        when = datetime.combine(REPORT_DAY - timedelta(days=i % 20), time(21, 30))
        raw = f"raw {i}".encode()
        records.append(
            NewMessage(
                account="work",
                folder="INBOX",
                uidvalidity=1,
                uid=i + 1,
                raw=raw,
                raw_sha256=hashlib.sha256(raw).hexdigest(),
                direction="in",
                subject=f"URGENT {attacks[i % len(attacks)]}",
                from_addr="boss@acme.example",
                date_utc=when,
                client="Acme Kft.",
                new_text="urgent asap",
                content_words=2,
                tags=frozenset({"urgent", "after-hours", "vague", "complaint"}),
            )
        )
    sqlite_store.store_batch("work", "INBOX", 1, records, last_uid=40)
    report = build_report(config, sqlite_store, REPORT_DAY)
    assert report.flagged, "the client must be flagged so that its evidence is shown"

    text = render_text(report)
    mail = alert_email(report, "iw@assist.example", ["anna@assist.example"])
    parts = {
        p.get_content_type(): p.get_content()
        for p in mail.walk()
        if p.get_content_type() in ("text/plain", "text/html")
    }
    subjects = [
        e["subject"]
        for c in render_json(report)["clients"]
        for s in c["signs"]
        for e in s["evidence"]
    ]
    assert "URGENT" in text and "URGENT" in parts["text/plain"] and subjects
    for where, rendered in (
        ("text", text),
        ("mail text", parts["text/plain"]),
        ("mail html", parts["text/html"]),
        ("json", "\n".join(subjects)),
    ):
        assert _dangerous(rendered) == [], f"{where}: {rendered}"
    assert KEPT in "\n".join(subjects)


@pytest.mark.parametrize(
    "name",
    [
        "Acme\r\nAll clients OK",
        "Acme\nKft.",
        "Acme\x1b[2J",
        "Acme \u202eKft.",
        "Acme\x85Kft.",
        "Acme\u200bKft.",
    ],
)
def test_client_name_with_a_control_character_is_a_config_error(name: str) -> None:
    with pytest.raises(ConfigError, match=r"clients\[0\]\.name: expected a name without"):
        parse_config(
            {
                "me": {"addresses": ["anna@assist.example"]},
                "clients": [{"name": name, "addresses": ["@acme.example"]}],
            },
            "test",
        )


def test_ordinary_client_names_are_accepted() -> None:
    names = ["Árvíztűrő Tükörfúró Kft.", "Pixel & Co", "Café 👩\u200d💻 Studio"]
    config = parse_config(
        {
            "me": {"addresses": ["anna@assist.example"]},
            "clients": [{"name": n, "addresses": [f"@c{i}.example"]} for i, n in enumerate(names)],
        },
        "test",
    )
    assert [c.name for c in config.clients] == names


def test_scrub_covers_every_control_and_format_character() -> None:
    """Every Cc and Cf character of this Python's Unicode tables is replaced or removed,
    except the zero-width (non-)joiner; everything else is left alone."""
    kept_format = {"\u200c", "\u200d"}
    for code in range(0x110000):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cs":
            continue
        scrubbed = scrub_controls(f"a{char}b")
        if category in ("Cc", "Cf") and char not in kept_format:
            assert scrubbed in ("ab", "a b", "a\ufffdb"), f"U+{code:04X} {category}"
        elif category not in ("Zl", "Zp", "Cn"):  # Cn: assigned only in later Unicode
            assert scrubbed == f"a{char}b", f"U+{code:04X} {category} changed"
