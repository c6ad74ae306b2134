"""Broken mail, bad configuration and wrong credentials.

Mail: a corpus of nasty messages (``tests/corpus/nasty.py``: broken and unknown charsets, raw
8-bit headers, missing and wrong boundaries, deep nesting, NUL bytes, a zip bomb, base64 and
quoted-printable bombs, enormous headers and lines, 5 000 parts...). Each one parses within
a time bound or is rejected with ``MessageParseError``; through ``ingest.build_messages`` and
the store every one is kept — raw bytes exact, a rejected one with its reason — on SQLite and
PostgreSQL, and through a real sync from Dovecot too.

Configuration: every invalid config gives one line on stderr that names the key, with exit
code 3, through the CLI. Credentials: a failing password command never shows its output; a
wrong IMAP password is tried once per sync (Dovecot's log counts the failures).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from inboxwatch.app.cli import EXIT_CONFIG, main
from inboxwatch.errors import ImapAuthError, MessageParseError, StorageError
from inboxwatch.ingest.pipeline import IngestContext, Location, build_messages
from inboxwatch.ingest.sync import Backoff, sync_account
from inboxwatch.parsing.mime import parse_message
from inboxwatch.storage.schema import message_raw, messages
from inboxwatch.storage.store import Store
from tests.corpus.nasty import BIG, corpus
from tests.dovecot import DovecotServer, MailUser, make_message
from tests.tools import figures
from tests.tools.bounded import bounded
from tests.tools.servers import log_text
from tests.tools.service_env import run_cli

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "secret"
# Messages that once stopped a batch from being stored (NUL and lone surrogates in text):
# each must now be stored like any other.
POISON = (
    "8bit_message_id",
    "nul_in_encoded_words",
    "nul_bytes_everywhere",
    "escape_codec_as_charset",
)


def _seconds_for(size: int) -> float:
    """The time bound for parsing *size* bytes: generous, but linear in the size."""
    return 3.0 + 0.25 * size / 1_000_000


@pytest.fixture(scope="module")
def nasty() -> dict[str, bytes]:
    return corpus()


# --- mail -------------------------------------------------------------------------------


def test_every_nasty_message_parses_in_bounded_time(nasty: dict[str, bytes]) -> None:
    slowest = (0.0, "")
    rejected = 0
    for name, raw in nasty.items():

        def parse(raw: bytes = raw) -> str | None:
            try:
                parse_message(raw)
            except MessageParseError as exc:
                return str(exc)
            return None

        reason, seconds = bounded(parse, _seconds_for(len(raw)), f"parsing {name}")
        rejected += reason is not None
        slowest = max(slowest, (seconds, name))
    assert rejected <= 6, "lenient parsing: only hopeless input is rejected"
    figures.record(
        "bad_input",
        "nasty_corpus_parse",
        fuzz_cases=len(nasty),
        megabytes=round(sum(map(len, nasty.values())) / 1e6, 1),
        slowest_case=slowest[1],
        slowest_seconds=round(slowest[0], 2),
    )


def test_huge_parameter_lists_parse_in_linear_time() -> None:
    raw = (
        b"From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: text/plain"
        + b'; a="b"' * 200_000
        + b"; charset=utf-8\r\n\r\nbody\r\n"
    )
    # 1.4 MB: linear parsing takes ~0.1 s; today it takes ~9 s
    bounded(lambda: parse_message(raw), 2.0, "200 000 MIME parameters")


def test_parsing_memory_stays_proportional(nasty: dict[str, bytes]) -> None:
    """A zip bomb is never inflated; a base64 bomb and deep nesting stay within a few times
    their size (tracemalloc peak)."""
    for name in (
        "zip_bomb_attachment",
        "base64_text_bomb",
        "deep_message_rfc822",
        "many_parts",
        "huge_to",
    ):
        raw = nasty[name]
        tracemalloc.start()
        try:
            parse_message(raw)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak <= 8 * len(raw) + 16_000_000, f"{name}: {peak / 1e6:.0f} MB peak"


# Peak RSS of parsing alone: a warm-up parse loads everything lazy, then the kernel's peak
# counter (VmHWM) is reset (clear_refs 5) so that imports do not count.
_RSS_PROBE = """
from pathlib import Path
from inboxwatch.parsing.mime import parse_message
def kb(field):
    line = next(x for x in Path('/proc/self/status').read_text().splitlines()
                if x.startswith(field))
    return int(line.split()[1]) * 1024
parse_message(b"From: a@b.example\\r\\n\\r\\nwarm up\\r\\n")
raw = b"From: a@b.example\\r\\nContent-Type: text/plain\\r\\n\\r\\n" + b"x\\r\\n" * 5_000_000
Path('/proc/self/clear_refs').write_text('5')
before = kb('VmRSS:')
parse_message(raw)
print(kb('VmHWM:') - before)
"""


def test_many_short_lines_do_not_blow_up_memory() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    growth = int(result.stdout.strip())
    assert growth <= 8 * 15_000_000, f"{growth / 1e6:.0f} MB for a 15 MB message"


def _store_one_by_one(
    store: Store, items: dict[str, bytes], ctx: IngestContext
) -> dict[str, BaseException]:
    """Store each message in its own batch (so one failure hides nothing); the failures."""
    failures: dict[str, BaseException] = {}
    for uid, (name, raw) in enumerate(items.items(), start=1):
        records = build_messages([(Location("bad", "INBOX", 1, uid), raw)], ctx)
        try:
            store.store_batch("bad", "INBOX", 1, records, last_uid=uid)
        except (StorageError, UnicodeError) as exc:
            failures[name] = exc
    return failures


def test_every_nasty_message_is_stored_raw_with_its_reason(
    nasty: dict[str, bytes], store: Store, ingest_ctx: IngestContext
) -> None:
    db = store.engine.dialect.name
    items = {name: raw for name, raw in nasty.items() if name not in BIG}
    items["over_the_size_limit"] = b"From: a@b.example\r\n\r\n" + b"x" * (50 * 1024 * 1024)
    failures = _store_one_by_one(store, items, ingest_ctx)
    assert store.count_messages("bad") == len(items) - len(failures)
    assert not failures, {k: str(v) for k, v in failures.items()}
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                messages.c.uid, messages.c.parse_error, messages.c.size, message_raw.c.raw_zlib
            ).join(message_raw, message_raw.c.message_pk == messages.c.id)
        ).all()
    names = list(items)
    stored = {names[int(r.uid) - 1]: r for r in rows}
    assert set(stored) == set(items) - set(failures)
    for name, row in stored.items():
        assert zlib.decompress(row.raw_zlib) == items[name], f"{name}: raw bytes changed"
        assert row.size == len(items[name])
    rejected = {n: r.parse_error for n, r in stored.items() if r.parse_error is not None}
    assert {"empty", "no_headers_binary", "over_the_size_limit"} <= set(rejected)
    assert all(reason.strip() and "\n" not in reason for reason in rejected.values())
    assert "over the limit" in rejected["over_the_size_limit"]
    figures.record(
        "bad_input",
        f"nasty_corpus_store_{db}",
        messages_checked=len(stored),
        rejected_with_reason=len(rejected),
        poison=sorted(failures),
    )


@pytest.mark.parametrize("name", sorted(POISON))
def test_poison_message_is_stored(
    name: str, nasty: dict[str, bytes], store: Store, ingest_ctx: IngestContext
) -> None:
    assert _store_one_by_one(store, {name: nasty[name]}, ingest_ctx) == {}
    assert store.count_messages("bad") == 1


def test_nasty_mail_through_a_real_sync(
    dovecot: MailUser, store: Store, nasty: dict[str, bytes], ingest_ctx: IngestContext
) -> None:
    """Served by Dovecot (which may normalise line ends): every message stored once."""
    from tests.tools.checks import assert_mirrors

    items = [raw for name, raw in nasty.items() if name not in BIG]
    dovecot.seed(items)
    account = dovecot.account(batch_messages=10, sent_folder=None)
    report = sync_account(
        account, PASSWORD, store, ingest_ctx, backoff=Backoff(sleep=lambda _s: None)
    )
    assert report.error is None and report.folder("INBOX").inserted == len(items)
    result = assert_mirrors(dovecot, store, account.name)
    figures.record(
        "bad_input", f"nasty_corpus_sync_{store.engine.dialect.name}", **result.figures()
    )


def test_a_poison_message_does_not_block_the_folder(
    dovecot: MailUser, sqlite_store: Store, nasty: dict[str, bytes], ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(1), nasty["8bit_message_id"], make_message(2)])
    account = dovecot.account(sent_folder=None)
    sync_account(
        account, PASSWORD, sqlite_store, ingest_ctx, backoff=Backoff(sleep=lambda _s: None)
    )
    assert sqlite_store.count_messages(account.name) == 3


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """``cli.main`` configures logging for the whole process (root handler, imapclient at
    WARNING); put it back so that later tests see logging as they expect."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("imapclient").level
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.getLogger("imapclient").setLevel(saved[2])


# --- configuration ----------------------------------------------------------------------

ME = '[me]\naddresses = ["anna@assist.example"]\n'
ACCOUNT = (
    '[[accounts]]\nname = "work"\nhost = "imap.example.com"\nusername = "anna"\n'
    'password_env = "IW_PW"\n'
)

BAD_CONFIGS = [
    ("not toml", "this is = = not toml", "not valid TOML"),
    ("unknown top key", ME + "[acounts]\n", "acounts: unknown key (did you mean 'accounts'?)"),
    ("no me", "[polling]\n", "me.addresses: required key is missing"),
    ("me addresses type", '[me]\naddresses = "a@b.example"\n', "me.addresses: expected"),
    ("timezone", ME + 'timezone = "Mars/Olympus"\n', "me.timezone: unknown time zone"),
    ("hours", ME + 'working_hours = "25:00-17:00"\n', "me.working_hours"),
    ("days", ME + 'working_days = "Funday"\n', "me.working_days"),
    ("holidays", ME + 'holidays = "XX"\n', "me.holidays: expected a country code"),
    ("port range", ME + ACCOUNT + "port = 70000\n", "accounts[0].port: expected an integer"),
    ("port type", ME + ACCOUNT + 'port = "993"\n', "accounts[0].port: expected"),
    ("security", ME + ACCOUNT + 'security = "ssl"\n', "accounts[0].security: expected one of"),
    (
        "clear text",
        ME + ACCOUNT + 'security = "none"\n',
        "accounts[0].security: 'none' sends your password in clear text",
    ),
    (
        "no host",
        ME + '[[accounts]]\nname = "w"\nusername = "a"\npassword_env = "X"\n',
        "accounts[0].host: required key is missing",
    ),
    (
        "two sources",
        ME + ACCOUNT + 'password_command = "pass show x"\n',
        "accounts[0]: set only one of password_env and password_command",
    ),
    (
        "no source",
        ME + '[[accounts]]\nname = "w"\nhost = "h.example"\nusername = "a"\n',
        "accounts[0]: set password_env",
    ),
    (
        "ca file",
        ME + ACCOUNT + 'ca_file = "/nonexistent/ca.pem"\n',
        "accounts[0].ca_file: expected the path of an existing PEM file",
    ),
    (
        "batch",
        ME + ACCOUNT + "batch_messages = 0\n",
        "accounts[0].batch_messages: expected a positive integer",
    ),
    ("timeout", ME + ACCOUNT + "timeout_seconds = -1\n", "accounts[0].timeout_seconds"),
    ("folders type", ME + ACCOUNT + 'folders = "INBOX"\n', "accounts[0].folders: expected a list"),
    ("allow_write type", ME + ACCOUNT + 'allow_write = "yes"\n', "accounts[0].allow_write"),
    (
        "account typo",
        ME + ACCOUNT + 'pasword_env = "X"\n',
        "accounts[0].pasword_env: unknown key (did you mean 'password_env'?)",
    ),
    ("accounts table", ME + '[accounts]\nname = "w"\n', "accounts: expected an array of tables"),
    ("duplicate accounts", ME + ACCOUNT + ACCOUNT, "accounts: the name 'work' is used twice"),
    (
        "client address",
        ME + '[[clients]]\nname = "A"\naddresses = ["nobody"]\n',
        "clients[0].addresses: expected addresses like",
    ),
    (
        "revenue",
        ME + '[[clients]]\nname = "A"\naddresses = ["@a.example"]\nmonthly_revenue = -5\n',
        "clients[0].monthly_revenue: expected a number",
    ),
    ("report time", ME + '[report]\ntime = "7.30"\n', "report.time: expected a time"),
    ("window", ME + "[report]\nwindow_days = 0\n", "report.window_days: expected a positive"),
    (
        "threshold",
        ME + '[report.thresholds]\nurgent = "high"\n',
        "report.thresholds.urgent: expected a number",
    ),
    ("smtp from", ME + '[smtp]\nhost = "smtp.example.com"\n', "smtp.from: required key"),
    (
        "smtp port",
        ME + '[smtp]\nhost = "smtp.example.com"\nfrom = "a@b.example"\nport = 0\n',
        "smtp.port: expected an integer port",
    ),
    ("retention", ME + "[retention]\ndays = -1\n", "retention.days: expected a positive"),
    ("interval", ME + "[polling]\ninterval_minutes = 0\n", "polling.interval_minutes"),
    ("idle type", ME + '[polling]\nidle = "yes"\n', "polling.idle: expected bool"),
    (
        "database key",
        ME + '[database]\nuri = "sqlite:///x.db"\n',
        "database.uri: unknown key (did you mean 'url'?)",
    ),
]


@pytest.mark.parametrize(("case", "text", "expected"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_invalid_config_is_one_line_naming_the_key(
    case: str,
    text: str,
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "iw.toml"
    path.write_text(text)
    path.chmod(0o600)
    monkeypatch.setenv("IW_PW", "x")
    code = main(["--config", str(path), "check-config"])
    err = capsys.readouterr().err
    assert code == EXIT_CONFIG, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"inboxwatch: {path}: ") and expected in err, err
    figures.record("bad_input", "config_cases", cases=len(BAD_CONFIGS))


def test_invalid_database_url_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "iw.toml"
    path.write_text(ME + '[database]\nurl = "no such database"\n')
    path.chmod(0o600)
    result = run_cli(path, "status", timeout=60)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "database.url" in result.stderr


def test_config_warnings_for_readable_file_and_literal_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "iw.toml"
    path.write_text(
        ME
        + ACCOUNT.replace(
            'password_env = "IW_PW"\n', 'password = "hunter2-literal"\npassword_env = "IW_PW"\n'
        )
    )
    monkeypatch.setenv("IW_PW", "x")
    path.chmod(0o644)
    assert main(["--config", str(path), "check-config"]) == 0
    captured = capsys.readouterr()
    assert "readable by other users" in captured.err and f"chmod 600 {path}" in captured.err
    assert "accounts[0].password: a literal password" in captured.err
    assert "hunter2-literal" not in captured.err + captured.out
    path.chmod(0o600)
    assert main(["--config", str(path), "check-config"]) == 0
    assert "readable by other users" not in capsys.readouterr().err


# --- credentials ------------------------------------------------------------------------


def test_password_command_failures_never_show_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inboxwatch import credentials
    from inboxwatch.errors import CredentialError

    script = tmp_path / "leaky.sh"
    script.write_text("#!/bin/sh\necho 'sup3r-s3cret-output'\necho 'more secret' >&2\nexit 3\n")
    script.chmod(0o700)
    with pytest.raises(CredentialError) as caught:
        credentials.resolve_password("account 'w'", None, str(script))
    assert "exit status 3" in str(caught.value) and "s3cret" not in str(caught.value)
    monkeypatch.setattr(credentials, "COMMAND_TIMEOUT_SECONDS", 0.5)
    started = time.monotonic()
    with pytest.raises(CredentialError, match="did not finish within"):
        credentials.resolve_password("account 'w'", None, "sleep 5")
    assert time.monotonic() - started < 3
    with pytest.raises(CredentialError, match="printed nothing"):
        credentials.resolve_password("account 'w'", None, "true")


def _auth_failures(server: DovecotServer, user: str) -> int:
    return sum(
        1
        for line in log_text(server).splitlines()
        if "auth failed" in line and f"user=<{user}>" in line
    )


def test_wrong_password_is_tried_once_per_sync(
    quiet_dovecot: DovecotServer, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    user = quiet_dovecot.add_user("wrongpw", PASSWORD)
    user.seed([make_message(1)])
    sleeps: list[float] = []
    with pytest.raises(ImapAuthError) as caught:
        sync_account(
            user.account(),
            "not-the-password",
            sqlite_store,
            ingest_ctx,
            backoff=Backoff(sleep=sleeps.append),
        )
    assert "check the password in the environment variable IW_TEST_PASSWORD" in str(caught.value)
    assert sleeps == []  # no reconnect loop for a rejected password
    time.sleep(0.3)
    assert _auth_failures(quiet_dovecot, "wrongpw") == 1
    figures.record("bad_input", "wrong_password_sync", faults_injected=1, auth_failures=1)


def test_service_reports_a_wrong_password_once_and_backs_off(
    quiet_dovecot: DovecotServer,
    sqlite_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from inboxwatch.app import daemon
    from inboxwatch.config import parse_config

    user = quiet_dovecot.add_user("wrongsvc", PASSWORD)
    monkeypatch.setenv("IW_TEST_PASSWORD", "not-the-password")
    config = parse_config(
        {
            "me": {"addresses": ["anna@assist.example"]},
            "accounts": [
                {
                    "name": "work",
                    "host": "127.0.0.1",
                    "port": quiet_dovecot.port,
                    "security": "none",
                    "username": user.name,
                    "password_env": "IW_TEST_PASSWORD",
                    "timeout_seconds": 5,
                }
            ],
            "polling": {"interval_minutes": 0.01, "idle": False},  # a poll every 0.6 s
        },
        "test",
    )
    service = daemon.Service(config, sqlite_store, IngestContext.from_config(config, None))
    caplog.set_level(logging.WARNING)
    service.start()
    try:
        time.sleep(4)
    finally:
        service.stop()
    time.sleep(0.2)  # Dovecot's log process writes asynchronously
    reports = [r for r in caplog.records if "rejected the login" in r.getMessage()]
    attempts = _auth_failures(quiet_dovecot, user.name)
    figures.record(
        "bad_input",
        "wrong_password_service",
        faults_injected=1,
        auth_failures_in_4s=attempts,
        reports_in_4s=len(reports),
    )
    assert len(reports) == 1, f"reported {len(reports)} times in 4 s"
    assert attempts <= 3, f"{attempts} failed logins in 4 s"
