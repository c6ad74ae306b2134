"""Security promises, tested against the real Dovecot and databases (see SECURITY.md).

- TLS certificates are verified by default: a self-signed server is refused, over implicit
  TLS and STARTTLS, unless the user pins its certificate with ``ca_file``; a pinned
  certificate of *another* server is still refused.
- ``security = "starttls"`` against a server that does not offer STARTTLS stops before the
  password leaves the machine (checked on the wire).
- No password and no message text appears in any log line at any level, for a full poll, a
  failed login, the status command and the report.
- The SQLite database, its WAL and its shared-memory file are owner-only (0600).
- The report's HTML escapes everything taken from mail.
- The server is never written to: flags, \\Seen and the message count are unchanged, the
  client sent only reading commands, and Dovecot's own mail_log records no change.
"""

from __future__ import annotations

import base64
import dataclasses
import itertools
import logging
import os
import re
import stat
import subprocess
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Select, Table, func, insert, select, text, update

from inboxwatch.app.cli import EXIT_CONFIG
from inboxwatch.config import AccountConfig, SmtpConfig, parse_config
from inboxwatch.errors import DeliveryError, ImapAuthError, ImapError, ImapTlsError
from inboxwatch.sources.imap import ImapSession
from inboxwatch.storage.schema import corrections, message_raw, messages, score_history
from inboxwatch.storage.store import NewMessage, Store
from tests.dovecot import DovecotServer, MailUser, make_message, make_self_signed_cert
from tests.netproxy import NetProxy
from tests.smtpserver import Mailbox
from tests.tools import figures
from tests.tools.servers import log_text
from tests.tools.service_env import run_cli

PASSWORD = "secret"
ROOT = Path(__file__).resolve().parent.parent

# Every IMAP command inboxwatch may send while reading. Anything else is a write (STORE,
# APPEND, EXPUNGE, COPY, MOVE, CREATE, DELETE, RENAME, SELECT read-write...) or unexpected.
READING_COMMANDS = {
    "CAPABILITY",
    "LOGIN",
    "AUTHENTICATE",
    "ENABLE",
    "ID",
    "EXAMINE",
    "UID SEARCH",
    "UID FETCH",
    "SEARCH",
    "FETCH",
    "IDLE",
    "NOOP",
    "LOGOUT",
    "LIST",
    "LSUB",
    "STATUS",
    "NAMESPACE",
    "STARTTLS",
}


def _tls_account(user: MailUser, **changes: object) -> AccountConfig:
    return user.account(**{"security": "tls", "port": user.server.tls_port, **changes})


def _open(account: AccountConfig, password: str = PASSWORD) -> None:
    with ImapSession(account, password) as session:
        session.select_readonly("INBOX")


# --- TLS --------------------------------------------------------------------------------


def test_self_signed_certificate_is_refused_by_default(tls_dovecot: MailUser) -> None:
    for account in (_tls_account(tls_dovecot), tls_dovecot.account(security="starttls")):
        with pytest.raises(ImapTlsError) as caught:
            _open(account)
        message = str(caught.value)
        assert "not trusted" in message and "ca_file" in message
        assert PASSWORD not in message


def test_pinned_certificate_is_accepted(tls_dovecot: MailUser) -> None:
    pinned = str(tls_dovecot.server.cert)
    _open(_tls_account(tls_dovecot, ca_file=pinned))
    _open(tls_dovecot.account(security="starttls", ca_file=pinned))


def test_pinning_another_certificate_does_not_trust_this_server(
    tls_dovecot: MailUser, tmp_path: Path
) -> None:
    other_cert, _key = make_self_signed_cert(tmp_path)
    with pytest.raises(ImapTlsError, match="not trusted"):
        _open(_tls_account(tls_dovecot, ca_file=str(other_cert)))


def test_starttls_required_but_not_offered_sends_no_password(dovecot: MailUser) -> None:
    """The plain test server (ssl = no) offers no STARTTLS: stop before LOGIN."""
    with NetProxy("127.0.0.1", dovecot.server.port) as tap:
        account = dovecot.account(security="starttls", port=tap.port)
        with pytest.raises(ImapTlsError, match="does not offer STARTTLS"):
            _open(account)
    sent = tap.client_bytes()
    assert PASSWORD.encode() not in sent
    assert not {"LOGIN", "AUTHENTICATE"} & set(tap.commands())
    figures.record("security", "starttls_downgrade", faults_injected=1)


# --- logs -------------------------------------------------------------------------------

SECRET_PASSWORD = "Pw-7c1f9e2a-never-log-me"
WRONG_PASSWORD = "Wrong-3b9d4411-never-log-me"
BODY_MARKER = "zebracorn-4471-confidential"
BODY_WORDS = ("quarterly", "mango", "treaty")  # distinctive words of the plain-text body


def _secret_messages() -> list[bytes]:
    """Mail whose body (plain, HTML, base64, broken) carries the marker."""
    plain = make_message(1, subject="Budget").replace(
        b"\r\n\r\n", f"\r\n\r\n{BODY_MARKER} {' '.join(BODY_WORDS)}\r\n".encode(), 1
    )
    html = make_message(2, html=True).replace(b"<p>", f"<p>{BODY_MARKER} ".encode(), 1)
    encoded = base64.b64encode(f"{BODY_MARKER} in base64".encode()).decode()
    b64 = (
        f"From: boss@acme.example\r\nTo: anna@assist.example\r\nSubject: b64\r\n"
        f"Message-ID: <b64@acme.example>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n"
        f"\r\n{encoded}\r\n"
    ).encode()
    broken = (
        f"From: boss@acme.example\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="nope\r\n\r\n'
        f"--nope\r\n\r\n{BODY_MARKER} inside a broken multipart\r\n"
    ).encode()
    binary = b"\x00\xff" * 20 + BODY_MARKER.encode() + b"\r\n\x00garbage"
    return [plain, html, b64, broken, binary]


def _assert_clean(text: str, where: str, *, body_allowed: bool = False) -> None:
    secrets = (
        (SECRET_PASSWORD, WRONG_PASSWORD)
        if body_allowed
        else (SECRET_PASSWORD, WRONG_PASSWORD, BODY_MARKER, *BODY_WORDS)
    )
    for secret in secrets:
        assert secret not in text, f"{secret!r} appears in {where}:\n" + "\n".join(
            line for line in text.splitlines() if secret in line
        )


_SECRET_USERS = itertools.count(1)


@pytest.fixture
def secret_user(quiet_dovecot: DovecotServer) -> MailUser:
    """On the server without auth penalty: these tests also log in with a wrong password."""
    name = f"secretuser{next(_SECRET_USERS)}"
    user = quiet_dovecot.add_user(name, SECRET_PASSWORD)
    user.seed(_secret_messages())
    return user


@pytest.fixture
def everything_logged() -> Iterator[list[logging.LogRecord]]:
    """Every record of every logger at every level, including imapclient's protocol log."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=1)
    root = logging.getLogger()
    saved = (
        root.level,
        {
            name: logging.getLogger(name).level
            for name in ("imapclient", "imapclient.imaplib", "inboxwatch")
        },
    )
    root.addHandler(handler)
    root.setLevel(1)
    for name in saved[1]:
        logging.getLogger(name).setLevel(1)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def _formatted(records: list[logging.LogRecord]) -> str:
    lines = []
    for record in records:
        text = logging.Formatter("%(levelname)s %(name)s %(message)s").format(record)
        lines.append(
            text
            + " "
            + " ".join(
                f"{k}={v}"
                for k, v in vars(record).items()
                if k not in logging.makeLogRecord({}).__dict__
            )
        )
    return "\n".join(lines)


def test_no_password_or_body_in_any_log_line_in_process(
    secret_user: MailUser,
    store: Store,
    everything_logged: list[logging.LogRecord],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A full poll, a wrong password, the status and the report, every logger at level 1."""
    from inboxwatch.ingest.pipeline import IngestContext
    from inboxwatch.ingest.sync import Backoff, sync_account
    from inboxwatch.reporting.build import build_report
    from inboxwatch.reporting.render import render_html, render_text
    from tests.conftest import TEST_CONFIG

    ctx = IngestContext.from_config(parse_config(TEST_CONFIG, "test"), None)
    account = secret_user.account()
    report = sync_account(account, SECRET_PASSWORD, store, ctx, backoff=Backoff(sleep=no_sleep))
    assert report.inserted == 5
    with pytest.raises(ImapAuthError) as caught:
        sync_account(account, WRONG_PASSWORD, store, ctx, backoff=Backoff(sleep=no_sleep))
    config = parse_config(TEST_CONFIG, "test")
    built = build_report(config, store, date(2024, 3, 10))
    render_text(built)
    render_html(built)
    store.folder_statuses()
    store.parse_failures()
    assert everything_logged, "nothing was logged at all: the capture is broken"
    _assert_clean(_formatted(everything_logged), "the log")
    _assert_clean(str(caught.value), "the login error")
    _assert_clean(repr(ImapSession(account, SECRET_PASSWORD)), "repr(ImapSession)")
    figures.record(
        "security", "log_leak_in_process", log_lines=len(everything_logged), messages_checked=5
    )


def no_sleep(_seconds: float) -> None:
    pass


def test_no_password_or_body_in_cli_logs_at_debug(secret_user: MailUser, tmp_path: Path) -> None:
    """The real command line at -vv: poll (right and wrong password), status, report in
    text and HTML, check-config. The logs (stderr) hold neither passwords nor body text;
    the output (stdout, e.g. the report's evidence) holds no password."""
    config = tmp_path / "iw.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "iw.db"}"\n'
        '[me]\naddresses = ["anna@assist.example"]\n'
        f'[[accounts]]\nname = "work"\nhost = "127.0.0.1"\nport = {secret_user.server.port}\n'
        f'security = "none"\nusername = "{secret_user.name}"\n'
        'password_env = "IW_TEST_PASSWORD"\nsent_folder = "Sent"\n'
        '[[clients]]\nname = "Acme"\naddresses = ["@acme.example"]\n'
    )
    config.chmod(0o600)
    env = {**os.environ, "IW_TEST_PASSWORD": SECRET_PASSWORD}
    commands = [
        ("poll", "--once"),
        ("status",),
        ("report", "--date", "2024-03-10"),
        ("report", "--format", "html", "--date", "2024-03-10"),
        ("check-config",),
    ]
    logs, outputs = [], []
    for command in commands:
        result = _cli(config, env, *command)
        assert result.returncode == 0, (command, result.stderr[-2000:])
        logs.append(result.stderr)
        outputs.append(result.stdout)
    wrong = _cli(config, {**env, "IW_TEST_PASSWORD": WRONG_PASSWORD}, "poll", "--once")
    assert wrong.returncode == EXIT_CONFIG and "rejected the login" in wrong.stderr
    logs.append(wrong.stderr)
    outputs.append(wrong.stdout)
    assert "DEBUG" in "".join(logs), "-vv did not reach debug level"
    assert "5 new" in outputs[0], outputs[0]
    _assert_clean("\n".join(logs), "the logs of the CLI processes")
    _assert_clean("\n".join(outputs), "the output of the CLI processes", body_allowed=True)
    figures.record("security", "log_leak_cli", messages_checked=5, processes=len(commands) + 1)


def _cli(config: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(config, "-vv", *args, env=env)


# --- files ------------------------------------------------------------------------------


def test_sqlite_database_wal_and_shm_are_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    old = os.umask(0o022)  # a typical, permissive umask
    try:
        store = Store.open(f"sqlite:///{folder / 'iw.db'}")
        raw = make_message(1)
        import hashlib

        store.store_batch(
            "work",
            "INBOX",
            1,
            [
                NewMessage(
                    account="work",
                    folder="INBOX",
                    uidvalidity=1,
                    uid=1,
                    raw=raw,
                    raw_sha256=hashlib.sha256(raw).hexdigest(),
                    direction="in",
                )
            ],
            last_uid=1,
        )
        files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
        store.close()
    finally:
        os.umask(old)
    assert {"iw.db", "iw.db-wal", "iw.db-shm"} <= set(files), files
    for name, mode in files.items():
        assert mode & 0o077 == 0, f"{name} has mode {oct(mode)}"


# --- the report -------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;"\''


def test_report_html_escapes_everything_taken_from_mail(store: Store) -> None:
    import hashlib

    from inboxwatch.reporting.build import build_report
    from inboxwatch.reporting.render import alert_email, render_html

    config = parse_config(
        {
            "me": {"addresses": ["anna@assist.example"], "timezone": "Europe/Budapest"},
            "clients": [
                {"name": f"Evil {HOSTILE}", "addresses": ["@evil.example"], "monthly_revenue": 100}
            ],
            "report": {"min_messages": 1, "window_days": 30},
        },
        "test",
    )
    day = date(2026, 11, 13)
    records = []
    for i in range(40):
        when = datetime.combine(day - timedelta(days=i % 20), time(21, 30))  # naive UTC
        raw = f"{i}{HOSTILE}".encode()
        records.append(
            NewMessage(
                account="work",
                folder="INBOX",
                uidvalidity=1,
                uid=i + 1,
                raw=raw,
                raw_sha256=hashlib.sha256(raw).hexdigest(),
                direction="in",
                message_id=f"<{i}{HOSTILE}@evil.example>",
                subject=f"URGENT {HOSTILE} {i}",
                from_addr="boss@evil.example",
                from_name=HOSTILE,
                date_utc=when,
                client=f"Evil {HOSTILE}",
                new_text=f"urgent {HOSTILE}",
                content_words=2,
                tags=frozenset({"urgent", "after-hours", "vague", "complaint"}),
            )
        )
    store.store_batch("work", "INBOX", 1, records, last_uid=40)
    report = build_report(config, store, day)
    assert report.flagged, "the hostile client must be flagged so its evidence is shown"
    page, _images = render_html(report)
    assert "&lt;script&gt;" in page  # the subject is there, as text
    lowered = page.lower()
    assert "<script" not in lowered and "<img src=x" not in lowered
    assert "onerror=alert" not in lowered.replace("onerror=alert(1)&gt;", "")
    mail = alert_email(report, "iw@assist.example", ["anna@assist.example"])
    html_part = next(p for p in mail.walk() if p.get_content_type() == "text/html")
    assert "<script" not in html_part.get_content().lower()


# --- read-only --------------------------------------------------------------------------


_CHANGES = re.compile(
    r": (flag_change|save|delete|undelete|expunge|copy|mailbox_create|"
    r"mailbox_delete|mailbox_rename): "
)


def _changes(server: DovecotServer, user: str) -> list[str]:
    return [
        line
        for line in log_text(server).splitlines()
        if f"imap({user})" in line and _CHANGES.search(line)
    ]


def test_server_is_never_written_to(quiet_dovecot: DovecotServer, store: Store) -> None:
    from inboxwatch.app.keywords import write_keywords
    from inboxwatch.ingest.pipeline import IngestContext
    from inboxwatch.ingest.sync import Backoff, sync_account
    from tests.conftest import TEST_CONFIG

    user = quiet_dovecot.add_user(f"ro{os.getpid()}{store.engine.dialect.name}", PASSWORD)
    user.seed([make_message(i) for i in range(30)])  # unseen
    user.seed([make_message(100 + i) for i in range(10)], flags="S")  # seen
    user.seed([make_message(200 + i) for i in range(5)], flags="FS")  # flagged
    user.seed(
        [make_message(300 + i, sender="anna@assist.example") for i in range(5)], folder="Sent"
    )
    before = {f: user.flags(f) for f in ("INBOX", "Sent")}
    ctx = IngestContext.from_config(parse_config(TEST_CONFIG, "test"), None)
    with NetProxy("127.0.0.1", quiet_dovecot.port) as tap:
        account = user.account(port=tap.port)
        sync_account(account, PASSWORD, store, ctx, backoff=Backoff(sleep=no_sleep))
        # the keyword pass after every sync: a read-only account is left alone
        keywords = write_keywords(
            parse_config({**TEST_CONFIG, "accounts": []}, "test"), account, PASSWORD, store
        )
        assert keywords.messages == 0
        with ImapSession(account, PASSWORD) as session:
            session.select_readonly("INBOX")
            session.idle_wait(timeout_s=0.3)
            with pytest.raises(ImapError, match="read-only"):
                session.add_keywords("INBOX", 1, ["$Urgent"])
    after = {f: user.flags(f) for f in ("INBOX", "Sent")}
    assert after == before
    assert sum(1 for flags in after["INBOX"].values() if b"\\Seen" in flags) == 15
    assert store.count_messages() == 50
    commands = tap.commands()
    assert "EXAMINE" in commands and "UID FETCH" in commands
    assert set(commands) <= READING_COMMANDS, sorted(set(commands) - READING_COMMANDS)
    sent = tap.client_bytes().upper()
    assert b"BODY[" not in sent.replace(b"BODY.PEEK[", b""), "a FETCH without PEEK sets \\Seen"
    assert _changes(quiet_dovecot, user.name) == []
    # The control: a real write by another client does show in the same log.
    with user.client() as client:
        client.select_folder("INBOX")
        client.add_flags([1], [b"\\Seen"])
    assert any("flag_change" in line for line in _changes(quiet_dovecot, user.name))
    figures.record(
        "security",
        f"read_only_{store.engine.dialect.name}",
        messages_checked=50,
        imap_commands=len(commands),
    )


def test_keywords_are_written_only_when_allowed(quiet_dovecot: DovecotServer) -> None:
    """The opt-in path works, and is the only way a write happens."""
    user = quiet_dovecot.add_user(f"rw{os.getpid()}", PASSWORD)
    user.seed([make_message(1)])
    with ImapSession(user.account(allow_write=True), PASSWORD) as session:
        session.add_keywords("INBOX", 1, ["$Urgent"])
    assert b"$Urgent" in user.flags()[1]
    assert any("flag_change" in line for line in _changes(quiet_dovecot, user.name))


# --- retention and deletion ----------------------------------------------------------------


def _record(
    uid: int, client: str | None, sender: str, marker: str, when: datetime | None
) -> NewMessage:
    import hashlib

    raw = f"From: {sender}\r\nSubject: {marker}\r\n\r\n{marker} body {uid}\r\n".encode()
    return NewMessage(
        account="work",
        folder="INBOX",
        uidvalidity=1,
        uid=uid,
        raw=raw,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        direction="in",
        subject=f"{marker} subject",
        from_addr=sender,
        date_utc=when,
        client=client,
        new_text=f"{marker} body text",
        content_words=3,
    )


def test_retention_deletes_old_mail_with_its_raw_bytes(store: Store) -> None:
    from inboxwatch.storage.retention import delete_older_than

    now = datetime(2026, 11, 13, 12, 0)
    old = [
        _record(i, "Acme", "boss@acme.example", "old", now - timedelta(days=800))
        for i in range(1, 4)
    ]
    new = [
        _record(i, "Acme", "boss@acme.example", "new", now - timedelta(days=10))
        for i in range(4, 6)
    ]
    store.store_batch("work", "INBOX", 1, old + new, last_uid=5)
    assert delete_older_than(store, now - timedelta(days=730)) == 3
    with store.engine.connect() as conn:
        subjects = sorted(conn.execute(select(messages.c.subject)).scalars())
        raws = conn.execute(_count(message_raw)).scalar_one()
    assert subjects == ["new subject", "new subject"] and raws == 2
    state = store.folder_state("work", "INBOX")
    assert state is not None and state.last_uid == 5  # deleted mail is not fetched again


def _count(table: Table) -> Select[int]:
    return select(func.count()).select_from(table)


def test_retention_also_deletes_mail_without_a_date(sqlite_store: Store) -> None:
    from inboxwatch.storage.retention import delete_older_than

    sqlite_store.store_batch(
        "work", "INBOX", 1, [_record(1, None, "x@unknown.example", "undated", None)], last_uid=1
    )
    with sqlite_store.engine.begin() as conn:  # stored three years ago
        conn.execute(update(messages).values(stored_at=datetime(2023, 1, 1)))
    delete_older_than(sqlite_store, datetime(2026, 1, 1))
    assert sqlite_store.count_messages() == 0


def _config_for(store: Store, tmp_path: Path) -> Path:
    path = tmp_path / "forget.toml"
    url = store.engine.url.render_as_string(hide_password=False)
    path.write_text(
        f'[me]\naddresses = ["anna@assist.example"]\n[database]\nurl = "{url}"\n'
        '[[clients]]\nname = "Acme Kft."\naddresses = ["@acme.example"]\n'
    )
    path.chmod(0o600)
    return path


def test_forget_removes_everything_about_one_client(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from inboxwatch.app.cli import main

    when = datetime(2026, 11, 1, 10, 0)
    gone = [
        _record(1, "Acme Kft.", "boss@acme.example", "acmesecret", when),
        _record(2, None, "pm@mail.acme.example", "acmesecret", when),  # unmatched sender
        _record(3, "Acme Kft.", "anna@assist.example", "acmesecret", when),
        dataclasses.replace(
            _record(5, None, "anna@assist.example", "acmesecret", when),
            to_addrs="x@other.example,boss@acme.example",
        ),
    ]
    kept = [
        _record(4, "Globex", "cfo@globex.example", "globexkeep", when),
        _record(6, None, "joe@notacme.example", "globexkeep", when),
    ]
    store.store_batch("work", "INBOX", 1, gone + kept, last_uid=6)
    with store.engine.begin() as conn:
        conn.execute(
            insert(corrections).values(message_pk=1, tag="urgent", value=True, created_at=when)
        )
        conn.execute(
            insert(score_history).values(
                client="Acme Kft.", day=when.date(), score=40.0, details="{}"
            )
        )
    config = _config_for(store, tmp_path)
    assert main(["--config", str(config), "forget", "Acme Kft."]) == 0  # a dry run first
    assert "would delete 4 messages" in capsys.readouterr().out
    assert store.count_messages() == 6
    assert main(["--config", str(config), "forget", "Acme Kft.", "--yes"]) == 0
    assert (
        "deleted 4 messages (with their raw bytes), 1 label corrections and 1 days"
        in capsys.readouterr().out
    )
    with store.engine.connect() as conn:
        left = sorted(conn.execute(text("SELECT subject FROM messages")).scalars())
        raws = conn.execute(_count(message_raw)).scalar_one()
        fixes = conn.execute(_count(corrections)).scalar_one()
        scores = conn.execute(_count(score_history)).scalar_one()
    assert left == ["globexkeep subject"] * 2 and (raws, fixes, scores) == (2, 0, 0)
    state = store.folder_state("work", "INBOX")
    assert state is not None and state.last_uid == 6  # deleted mail is not fetched again
    if store.engine.dialect.name == "sqlite":
        path = Path(str(store.engine.url.database))
        store.close()  # checkpoint the WAL into the file, then look at the bytes
        data = b"".join(
            p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name)
        )
        assert b"acmesecret" not in data and b"globexkeep" in data
    figures.record("security", f"client_deletion_{store.engine.dialect.name}", messages_checked=6)


def test_forget_is_refused_while_the_service_runs(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from inboxwatch.app.cli import EXIT_TEMPFAIL, main
    from inboxwatch.app.daemon import SERVICE_LEASE
    from inboxwatch.storage.leases import Leases

    store.store_batch(
        "work",
        "INBOX",
        1,
        [_record(1, "Acme Kft.", "boss@acme.example", "acmesecret", datetime(2026, 11, 1))],
        last_uid=1,
    )
    with Leases(store, holder="service-elsewhere").hold(SERVICE_LEASE):
        code = main(["--config", str(_config_for(store, tmp_path)), "forget", "Acme Kft.", "--yes"])
    assert code == EXIT_TEMPFAIL and "service is in use" in capsys.readouterr().err
    assert store.count_messages() == 1


# --- SMTP (the alert e-mail) ---------------------------------------------------------------


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[tuple[int, Path, Mailbox]]:
    """aiosmtpd offering STARTTLS with a self-signed certificate, AUTH only after TLS."""
    import ssl

    from aiosmtpd.controller import Controller

    from tests.smtpserver import _Authenticator, free_port

    cert, key = make_self_signed_cert(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox()
    port = free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        authenticator=_Authenticator("alerts", SMTP_PASSWORD, box),
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield port, cert, box
    finally:
        controller.stop()


SMTP_PASSWORD = "smtp-pw-5a1e-never-in-clear"


def _smtp(port: int, **changes: object) -> SmtpConfig:
    config = SmtpConfig(
        host="127.0.0.1",
        port=port,
        security="starttls",
        username="alerts",
        password_env=None,
        password_command=None,
        from_addr="iw@assist.example",
        timeout_seconds=5,
    )
    return dataclasses.replace(config, **changes)  # type: ignore[arg-type]


def test_smtp_tls_is_verified_and_pinnable(tls_smtp: tuple[int, Path, Mailbox]) -> None:
    from inboxwatch.reporting.mailer import send_mime

    port, cert, box = tls_smtp
    mime = b"Subject: alert\r\n\r\nbody\r\n"
    with pytest.raises(DeliveryError, match=r"TLS with 127\.0\.0\.1"):
        send_mime(_smtp(port), SMTP_PASSWORD, "anna@assist.example", mime)
    assert box.received == [] and box.logins == []
    send_mime(_smtp(port, ca_file=str(cert)), SMTP_PASSWORD, "anna@assist.example", mime)
    assert len(box.received) == 1 and box.logins == ["alerts"]


def test_smtp_starttls_required_but_not_offered_sends_no_password() -> None:
    from inboxwatch.reporting.mailer import send_mime
    from tests.smtpserver import smtp_server

    with smtp_server("alerts", SMTP_PASSWORD) as server, NetProxy(server.host, server.port) as tap:
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            send_mime(_smtp(tap.port), SMTP_PASSWORD, "anna@assist.example", b"x\r\n")
        assert server.box.logins == [] and server.box.received == []
    sent = tap.client_bytes()
    assert b"AUTH" not in sent.upper() and SMTP_PASSWORD.encode() not in sent
