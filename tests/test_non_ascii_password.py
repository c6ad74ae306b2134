"""A password with accented letters logs in, and is never echoed (issue #12, item 11).

imaplib sends LOGIN's arguments as ASCII and raises a UnicodeEncodeError that names a
character of the password and its position; in the service that error killed the IDLE
watcher. inboxwatch now sends such a password with AUTHENTICATE PLAIN (UTF-8, RFC 4616),
and a server without AUTH=PLAIN gets one clear error and no password. Tested against the
real Dovecot, in process (every logger at level 1), through the CLI at -vv and in the
service.
"""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from inboxwatch.config import parse_config
from inboxwatch.errors import ImapAuthError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.ingest.sync import Backoff, sync_account
from inboxwatch.sources.imap import ImapSession
from inboxwatch.storage.store import Store
from tests.dovecot import DovecotServer, MailUser, make_message
from tests.tools.servers import NO_AUTH_PENALTY_CONF, log_text, start_with
from tests.tools.service_env import run_cli

if TYPE_CHECKING:
    from inboxwatch.app.daemon import Service

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "jelszó-árvíztűrő"
# Anything that would give the password away: itself, its accented letters in every form an
# error or a log might print them, and the PLAIN exchange in base64.
NON_ASCII = sorted({c for c in PASSWORD if not c.isascii()})
LEAKS = [
    PASSWORD,
    "jelsz",
    *NON_ASCII,
    *(ascii(c).strip("'") for c in NON_ASCII),  # '\xf3', '\u0171'
    *(repr(c.encode())[2:-1] for c in NON_ASCII),  # '\xc3\xb3'
    "in position",
    "codec can't encode",
]


def _plain_response(user: str) -> str:
    return base64.b64encode(f"\0{user}\0{PASSWORD}".encode()).decode()


def _assert_no_leak(text: str, where: str, user: str = "") -> None:
    for secret in [*LEAKS, *([_plain_response(user)] if user else [])]:
        assert secret not in text, f"{secret!r} appears in {where}:\n" + "\n".join(
            line for line in text.splitlines() if secret in line
        )


@pytest.fixture
def hungarian_user(dovecot_server: DovecotServer, request: pytest.FixtureRequest) -> MailUser:
    user = dovecot_server.add_user(f"hu{abs(hash(request.node.name)) % 10**8}", PASSWORD)
    user.seed([make_message(1)])
    return user


@pytest.fixture(scope="module")
def no_plain_dovecot() -> Iterator[DovecotServer]:
    """A private Dovecot that offers only AUTH=LOGIN (no AUTHENTICATE PLAIN)."""
    server = start_with(NO_AUTH_PENALTY_CONF + "auth_mechanisms = login\n")
    yield server
    server.stop()


@pytest.fixture
def all_logs() -> Iterator[list[logging.LogRecord]]:
    """Every record of every logger at every level, imapclient's protocol log included."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler, root = Keep(level=1), logging.getLogger()
    names = ("imapclient", "imapclient.imaplib", "inboxwatch")
    saved = root.level, {name: logging.getLogger(name).level for name in names}
    root.addHandler(handler)
    root.setLevel(1)
    for name in names:
        logging.getLogger(name).setLevel(1)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def _formatted(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return "\n".join(
        formatter.format(r) + (formatter.formatException(r.exc_info) if r.exc_info else "")
        for r in records
    )


def test_non_ascii_password_logs_in_with_authenticate_plain(
    hungarian_user: MailUser,
    sqlite_store: Store,
    ingest_ctx: IngestContext,
    all_logs: list[logging.LogRecord],
) -> None:
    account = hungarian_user.account()
    report = sync_account(
        account, PASSWORD, sqlite_store, ingest_ctx, backoff=Backoff(sleep=lambda _s: None)
    )
    assert report.inserted == 1
    time.sleep(0.2)  # Dovecot's log process writes asynchronously
    logins = [
        line
        for line in log_text(hungarian_user.server).splitlines()
        if f"Login: user=<{hungarian_user.name}>" in line
    ]
    assert logins and all("method=PLAIN" in line for line in logins), logins
    assert all_logs, "nothing was logged: the capture is broken"
    _assert_no_leak(_formatted(all_logs), "the log", hungarian_user.name)


def test_non_ascii_password_through_the_cli_is_never_echoed(
    hungarian_user: MailUser, tmp_path: Path
) -> None:
    config = _config_file(tmp_path, hungarian_user.server.port, hungarian_user.name)
    right = _cli(config, PASSWORD, "poll", "--once")
    assert right.returncode == 0, right.stderr[-2000:]
    assert "1 new" in right.stdout, right.stdout
    wrong = _cli(config, PASSWORD + "x", "poll", "--once")
    assert wrong.returncode != 0 and "rejected the login" in wrong.stderr, wrong.stderr
    assert "non-ASCII characters, sent as UTF-8" in wrong.stderr
    for result in (right, wrong):
        assert "Traceback" not in result.stderr
        _assert_no_leak(
            result.stdout + result.stderr, "the CLI's output and -vv log", hungarian_user.name
        )


def test_server_without_auth_plain_gets_one_clear_error_and_no_password(
    no_plain_dovecot: DovecotServer, tmp_path: Path
) -> None:
    user = no_plain_dovecot.add_user("noplain", PASSWORD)
    with pytest.raises(ImapAuthError) as caught:
        ImapSession(user.account(), PASSWORD).__enter__()
    message = str(caught.value)
    assert "does not offer AUTHENTICATE PLAIN" in message and "not sent" in message
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    _assert_no_leak(message, "the error")

    config = _config_file(tmp_path, no_plain_dovecot.port, user.name)
    result = _cli(config, PASSWORD, "poll", "--once")
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if "AUTHENTICATE PLAIN" in line]
    assert len(lines) == 1, result.stderr
    _assert_no_leak(result.stdout + result.stderr, "the CLI's output and -vv log")
    time.sleep(0.2)
    tried = [
        line
        for line in log_text(no_plain_dovecot).splitlines()
        if "auth failed" in line or "user=<noplain>" in line
    ]
    assert tried == [], tried  # the password never reached the server


def _service(server: DovecotServer, user: str, store: Store, interval_minutes: float) -> Service:
    from inboxwatch.app import daemon

    config = parse_config(
        {
            "me": {"addresses": ["anna@assist.example"]},
            "accounts": [
                {
                    "name": "work",
                    "host": "127.0.0.1",
                    "port": server.port,
                    "security": "none",
                    "username": user,
                    "password_env": "IW_TEST_PASSWORD",
                    "timeout_seconds": 5,
                }
            ],
            "polling": {"interval_minutes": interval_minutes, "idle": True},
        },
        "test",
    )
    return daemon.Service(config, store, IngestContext.from_config(config, None))


@pytest.fixture
def thread_errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Exceptions that escaped any thread (such as the IDLE watcher), as text."""
    errors: list[str] = []

    def hook(args: threading.ExceptHookArgs) -> None:
        errors.append(
            f"{args.thread.name if args.thread else '?'}: {args.exc_type.__name__}: "
            f"{args.exc_value}"
        )

    monkeypatch.setattr(threading, "excepthook", hook)
    return errors


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_service_idles_and_polls_with_a_non_ascii_password(
    hungarian_user: MailUser,
    sqlite_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    thread_errors: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The IDLE watcher logs in, stays alive and picks up new mail (the poll interval is an
    hour, so only IDLE can trigger the second poll)."""
    monkeypatch.setenv("IW_TEST_PASSWORD", PASSWORD)
    caplog.set_level(logging.DEBUG)
    service = _service(hungarian_user.server, hungarian_user.name, sqlite_store, 60)
    service.start()
    try:
        assert _wait_for(lambda: sqlite_store.count_messages() == 1, 20), caplog.text[-2000:]
        time.sleep(1.0)  # let the watcher enter IDLE
        hungarian_user.append([make_message(2)])
        assert _wait_for(lambda: sqlite_store.count_messages() == 2, 20), caplog.text[-2000:]
        assert service.watchers and all(t.is_alive() for t in service.watchers)
    finally:
        service.stop()
    assert thread_errors == []
    _assert_no_leak(caplog.text, "the service log", hungarian_user.name)


def test_service_backs_off_when_the_server_cannot_take_the_password(
    no_plain_dovecot: DovecotServer,
    sqlite_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    thread_errors: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Polls every 0.6 s and an IDLE watcher: the error is reported once, the watcher stays
    alive (waiting out the hold-off), and no thread dies."""
    user = no_plain_dovecot.add_user("noplainsvc", PASSWORD)
    monkeypatch.setenv("IW_TEST_PASSWORD", PASSWORD)
    caplog.set_level(logging.DEBUG)
    service = _service(no_plain_dovecot, user.name, sqlite_store, 0.01)
    service.start()
    try:
        time.sleep(3)
        alive = bool(service.watchers) and all(t.is_alive() for t in service.watchers)
    finally:
        service.stop()
    reports = [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR and "does not offer AUTHENTICATE PLAIN" in r.getMessage()
    ]
    assert thread_errors == [] and alive
    assert len(reports) == 1, [r.getMessage() for r in reports]
    _assert_no_leak(caplog.text, "the service log")


def _config_file(tmp_path: Path, port: int, user: str) -> Path:
    path = tmp_path / "iw.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "iw.db"}"\n'
        '[me]\naddresses = ["anna@assist.example"]\n'
        f'[[accounts]]\nname = "work"\nhost = "127.0.0.1"\nport = {port}\n'
        f'security = "none"\nusername = "{user}"\ntimeout_seconds = 5\n'
        'password_env = "IW_TEST_PASSWORD"\nsent_folder = "Sent"\n'
    )
    path.chmod(0o600)
    return path


def _cli(config: Path, password: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(config, "-vv", *args, env={**os.environ, "IW_TEST_PASSWORD": password})
