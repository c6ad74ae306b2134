"""OAuth2 sign-in against a real Dovecot whose ``oauth2`` passdb checks every token at a real
token server (tests/oauthserver.py) over HTTP on loopback; the Sent folder found by its
SPECIAL-USE flag under a localized name. No mocked IMAP, SMTP or HTTP.

Google's and Microsoft's own endpoints cannot be reached from the test machine: these tests
run the same protocols (XOAUTH2/OAUTHBEARER, refresh, PKCE loopback, device code) against
the test's own endpoints."""

from __future__ import annotations

import itertools
import logging
import os
import signal
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from inboxwatch import credentials
from inboxwatch.app import daemon
from inboxwatch.app.cli import EXIT_CONFIG, main
from inboxwatch.config import AccountConfig, OAuthConfig, SmtpConfig, parse_config
from inboxwatch.errors import ConfigError, TokenError
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.ingest.sync import account_password, poll_all, sync_account
from inboxwatch.oauth import Tokens, load_tokens, save_tokens
from inboxwatch.reporting.mailer import deliver_pending, enqueue, smtp_password
from inboxwatch.sources.imap import ImapSession
from inboxwatch.storage.schema import messages
from inboxwatch.storage.store import Store
from tests.conftest import TEST_CONFIG
from tests.dovecot import DovecotServer, MailUser, make_message
from tests.oauthserver import CLIENT_ID, OAuthServer
from tests.smtpserver import smtp_server

LOCALIZED_SENT = "Elküldött levelek"
_ids = itertools.count(1)


@pytest.fixture(scope="session")
def oauth_server() -> Iterator[OAuthServer]:
    with OAuthServer("nobody") as server:
        yield server


@pytest.fixture(scope="session")
def oauth_dovecot(oauth_server: OAuthServer) -> Iterator[DovecotServer]:
    server = DovecotServer.start(
        introspection_url=f"{oauth_server.url}/introspect", sent_mailbox=LOCALIZED_SENT
    )
    yield server
    server.stop()


@pytest.fixture
def mailbox(oauth_dovecot: DovecotServer, oauth_server: OAuthServer) -> MailUser:
    """A fresh mailbox; it is also who signs in through the token server's flows."""
    user = oauth_dovecot.add_user(f"ouser{next(_ids)}", "secret")
    oauth_server.user = user.name
    return user


def oauth_account(
    user: MailUser, server: OAuthServer, tmp_path: Path, **changes: Any
) -> AccountConfig:
    oauth = OAuthConfig(
        client_id=CLIENT_ID,
        token_file=tmp_path / "tokens" / "work.json",
        token_url=f"{server.url}/token",
        authorize_url=f"{server.url}/authorize",
        scopes=("https://mail.google.com/",),
    )
    account = user.account(
        name="work", password_env=None, auth="oauth2", oauth=oauth, sent_folder=None, find_sent=True
    )
    return replace(account, **changes)


def sign_in(
    account: AccountConfig, server: OAuthServer, user: MailUser, lifetime: float = 3600
) -> Tokens:
    """Put tokens the server issued into the account's token file (as auth login does)."""
    access, refresh = server.state.issue(user.name)
    tokens = Tokens(access, refresh, time.time() + lifetime)
    assert account.oauth is not None and account.oauth.token_file is not None
    save_tokens(account.oauth.token_file, tokens)
    return tokens


def stored(store: Store, folder: str | None = None) -> list[tuple[str, str]]:
    query = select(messages.c.folder, messages.c.direction)
    if folder is not None:
        query = query.where(messages.c.folder == folder)
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def assert_no_secret_in(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text


# --- IMAP ------------------------------------------------------------------------------


@pytest.mark.parametrize("mechanism", ["xoauth2", "oauthbearer"])
def test_sync_logs_in_with_the_stored_token(
    mechanism: str,
    mailbox: MailUser,
    oauth_server: OAuthServer,
    sqlite_store: Store,
    ingest_ctx: IngestContext,
    tmp_path: Path,
) -> None:
    account = oauth_account(mailbox, oauth_server, tmp_path)
    assert account.oauth is not None
    account = replace(account, oauth=replace(account.oauth, mechanism=mechanism))
    sign_in(account, oauth_server, mailbox)
    mailbox.seed([make_message(i) for i in range(3)])
    before = oauth_server.state.refreshes
    report = sync_account(account, account_password(account), sqlite_store, ingest_ctx)
    assert report.folder("INBOX").inserted == 3
    assert oauth_server.state.refreshes == before  # the token was still good: no refresh


def test_made_up_token_is_refused_by_the_server(
    mailbox: MailUser, oauth_server: OAuthServer, tmp_path: Path
) -> None:
    """The test server really checks tokens: a made-up one is refused, even after the
    (revoked) refresh, with one error that says what to do."""
    account = oauth_account(mailbox, oauth_server, tmp_path)
    assert account.oauth is not None and account.oauth.token_file is not None
    save_tokens(account.oauth.token_file, Tokens("made-up", "also-made-up", time.time() + 3600))
    with pytest.raises(TokenError, match=r"revoked or has expired.*inboxwatch auth login work"):
        ImapSession(account, account_password(account)).__enter__()


def test_token_close_to_expiry_is_refreshed_before_login(
    mailbox: MailUser,
    oauth_server: OAuthServer,
    sqlite_store: Store,
    ingest_ctx: IngestContext,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    account = oauth_account(mailbox, oauth_server, tmp_path)
    old = sign_in(account, oauth_server, mailbox, lifetime=60)  # inside the 5-minute margin
    mailbox.seed([make_message(1)])
    before = oauth_server.state.refreshes
    report = sync_account(account, account_password(account), sqlite_store, ingest_ctx)
    assert report.folder("INBOX").inserted == 1
    assert oauth_server.state.refreshes == before + 1
    assert account.oauth is not None and account.oauth.token_file is not None
    new = load_tokens(account.oauth.token_file)
    assert new.access_token != old.access_token and new.refresh_token == old.refresh_token
    assert new.expires_at > time.time() + 3000
    assert account.oauth.token_file.stat().st_mode & 0o777 == 0o600
    assert_no_secret_in(caplog.text, old.access_token, new.access_token, old.refresh_token)


def test_token_the_server_refuses_is_refreshed_and_the_login_retried(
    mailbox: MailUser,
    oauth_server: OAuthServer,
    sqlite_store: Store,
    ingest_ctx: IngestContext,
    tmp_path: Path,
) -> None:
    account = oauth_account(mailbox, oauth_server, tmp_path)
    sign_in(account, oauth_server, mailbox, lifetime=3600)
    oauth_server.state.expire_access_tokens(mailbox.name)  # expired early, or revoked
    mailbox.seed([make_message(1)])
    before = oauth_server.state.refreshes
    report = sync_account(account, account_password(account), sqlite_store, ingest_ctx)
    assert report.folder("INBOX").inserted == 1
    assert oauth_server.state.refreshes == before + 1


def test_revoked_refresh_token_gives_one_clear_error(
    mailbox: MailUser,
    oauth_server: OAuthServer,
    sqlite_store: Store,
    ingest_ctx: IngestContext,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account = oauth_account(mailbox, oauth_server, tmp_path)
    tokens = sign_in(account, oauth_server, mailbox)
    oauth_server.state.expire_access_tokens(mailbox.name)
    oauth_server.state.revoke_refresh_tokens(mailbox.name)
    config = replace(parse_config(TEST_CONFIG, "test"), accounts=(account,))
    [report] = poll_all(config, sqlite_store, ingest_ctx)
    assert isinstance(report.error, TokenError)
    assert str(report.error) == (
        "account 'work': the sign-in was revoked or has expired (invalid_grant); sign in "
        "again: inboxwatch auth login work"
    )
    # poll_all hands the error to its caller, which prints it once (the CLI test below);
    # it logs no second copy itself
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    assert_no_secret_in(caplog.text, tokens.access_token, tokens.refresh_token)


def test_idle_watcher_reconnects_with_a_fresh_token_after_the_old_one_expired(
    mailbox: MailUser,
    oauth_server: OAuthServer,
    tmp_path: Path,
    ingest_ctx: IngestContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The service waits in IDLE; the token expires and the server drops the connection
    (as Microsoft 365 does). The watcher logs in again with a refreshed token and new mail
    is picked up."""
    monkeypatch.setattr(daemon, "IDLE_RETRY_SECONDS", 1.0)
    account = oauth_account(mailbox, oauth_server, tmp_path, sent_folder="Sent", find_sent=False)
    sign_in(account, oauth_server, mailbox)
    mailbox.seed([make_message(1)])
    config = replace(
        parse_config(TEST_CONFIG, "test"),
        accounts=(account,),
        database_url=f"sqlite:///{tmp_path / 'iw.db'}",
    )
    config = replace(config, polling=replace(config.polling, interval_minutes=60))
    store = Store.open(config.database_url)
    service = daemon.Service(config, store, ingest_ctx)
    service.start()
    try:
        wait_for(lambda: len(stored(store, "INBOX")) == 1 and service.idle_sessions)
        [first_session] = service.idle_sessions.values()
        refreshes = oauth_server.state.refreshes
        oauth_server.state.expire_access_tokens(mailbox.name)
        mailbox.server.doveadm("kick", mailbox.name)  # the server ends the IDLE session
        wait_for(
            lambda: service.idle_sessions and first_session not in service.idle_sessions.values()
        )
        mailbox.append([make_message(2)])
        wait_for(lambda: len(stored(store, "INBOX")) == 2)
        assert oauth_server.state.refreshes > refreshes
    finally:
        service.stop()


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


# --- SPECIAL-USE -------------------------------------------------------------------------


def test_sent_folder_is_found_by_its_special_use_flag(
    mailbox: MailUser,
    oauth_server: OAuthServer,
    sqlite_store: Store,
    ingest_ctx: IngestContext,
    tmp_path: Path,
) -> None:
    """No sent_folder in the config; the server's Sent folder is "Elküldött levelek"."""
    account = oauth_account(mailbox, oauth_server, tmp_path)
    sign_in(account, oauth_server, mailbox)
    mailbox.append(
        [make_message(1, sender="anna@assist.example", to="boss@acme.example")],
        folder=LOCALIZED_SENT,
    )
    report = sync_account(account, account_password(account), sqlite_store, ingest_ctx)
    assert report.folder(LOCALIZED_SENT).inserted == 1
    assert stored(sqlite_store, LOCALIZED_SENT) == [(LOCALIZED_SENT, "out")]


def test_config_without_sent_folder_looks_for_it(tmp_path: Path) -> None:
    config = parse_config(
        {
            **TEST_CONFIG,
            "accounts": [
                {"name": "a", "host": "imap.example.com", "username": "u", "password_env": "X"},
                {
                    "name": "b",
                    "host": "imap.example.com",
                    "username": "u",
                    "password_env": "X",
                    "sent_folder": "Sent",
                },
            ],
        },
        "test",
    )
    assert [(a.sent_folder, a.find_sent) for a in config.accounts] == [
        (None, True),
        ("Sent", False),
    ]


# --- the commands ---------------------------------------------------------------------


def write_config(tmp_path: Path, user: MailUser, server: OAuthServer, oauth: str) -> Path:
    path = tmp_path / "inboxwatch.toml"
    path.write_text(
        f"""
[me]
addresses = ["anna@assist.example"]

[[accounts]]
name = "work"
host = "127.0.0.1"
port = {user.server.port}
security = "none"
username = "{user.name}"
auth = "oauth2"

[accounts.oauth]
client_id = "{CLIENT_ID}"
token_url = "{server.url}/token"
{oauth}
""",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def browser(url: str) -> None:
    """The user's browser: opens the sign-in page, which redirects to 127.0.0.1."""
    threading.Thread(
        target=lambda: urllib.request.urlopen(url, timeout=10).read(), daemon=True
    ).start()


def test_auth_login_in_the_browser_then_folders(
    mailbox: MailUser,
    oauth_server: OAuthServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Google's way: the loopback redirect with PKCE; then the token works on Dovecot."""
    path = write_config(
        tmp_path, mailbox, oauth_server, f'authorize_url = "{oauth_server.url}/authorize"'
    )
    monkeypatch.setattr("webbrowser.open", browser)
    assert main(["--config", str(path), "check-config"]) == EXIT_CONFIG
    assert "not signed in yet; run: inboxwatch auth login work" in capsys.readouterr().out
    assert main(["--config", str(path), "auth", "login", "work"]) == 0
    out = capsys.readouterr().out
    assert f"{oauth_server.url}/authorize?" in out and "code_challenge=" in out
    token_file = tmp_path / "tokens" / "work.json"  # beside the config by default
    assert token_file.stat().st_mode & 0o777 == 0o600
    tokens = load_tokens(token_file)
    assert_no_secret_in(out, tokens.access_token, tokens.refresh_token)
    assert main(["--config", str(path), "check-config"]) == 0
    out = capsys.readouterr().out
    assert "sent the \\Sent-flagged folder" in out
    assert "account work: OAuth2, signed in" in out
    assert main(["--config", str(path), "folders", "work"]) == 0
    lines = sorted(line.split() for line in capsys.readouterr().out.splitlines())
    assert lines == [["Elküldött", "levelek", "\\Sent", "<-", "Sent", "folder", "used"], ["INBOX"]]


def test_auth_login_with_a_device_code(
    mailbox: MailUser, oauth_server: OAuthServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Microsoft 365's way: a code shown here, entered on another device; polled until
    approved."""
    path = write_config(
        tmp_path, mailbox, oauth_server, f'device_code_url = "{oauth_server.url}/devicecode"'
    )
    approve = threading.Timer(
        1.5, lambda: urllib.request.urlopen(f"{oauth_server.url}/device/approve", timeout=10).read()
    )
    approve.start()
    assert main(["--config", str(path), "auth", "login", "work"]) == 0
    out = capsys.readouterr().out
    assert f"open {oauth_server.url}/device and enter WDJB-MJHT" in out
    assert main(["--config", str(path), "folders", "work"]) == 0
    assert "\\Sent" in capsys.readouterr().out


def test_revoked_sign_in_is_one_line_from_the_cli(
    mailbox: MailUser, oauth_server: OAuthServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(
        tmp_path, mailbox, oauth_server, f'authorize_url = "{oauth_server.url}/authorize"'
    )
    access, refresh = oauth_server.state.issue(mailbox.name)
    save_tokens(tmp_path / "tokens" / "work.json", Tokens(access, refresh, time.time() + 3600))
    oauth_server.state.expire_access_tokens(mailbox.name)
    oauth_server.state.revoke_refresh_tokens(mailbox.name)
    assert main(["--config", str(path), "folders", "work"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "inboxwatch: account 'work': the sign-in was revoked or has expired (invalid_grant); "
        "sign in again: inboxwatch auth login work"
    ]


# --- SMTP ------------------------------------------------------------------------------


def test_alert_mail_is_sent_with_xoauth2_after_refreshing_a_refused_token(
    mailbox: MailUser, oauth_server: OAuthServer, sqlite_store: Store, tmp_path: Path
) -> None:
    account = oauth_account(mailbox, oauth_server, tmp_path)
    sign_in(account, oauth_server, mailbox)
    oauth_server.state.expire_access_tokens(mailbox.name)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@x.example", "a@x.example", "hi"
    message.set_content("Acme Kft. crossed the threshold.")
    with smtp_server(token_user=oauth_server.state.active_user) as server:
        smtp = SmtpConfig(
            host="127.0.0.1",
            port=server.port,
            security="none",
            username=mailbox.name,
            password_env=None,
            password_command=None,
            from_addr="a@x.example",
            timeout_seconds=5,
            auth="oauth2",
            oauth=account.oauth,
            oauth_account="work",
        )
        enqueue(sqlite_store, "k1", message)
        report = deliver_pending(sqlite_store, smtp, smtp_password(smtp))
    assert (report.sent, report.errors) == (1, ())
    assert server.box.logins == [mailbox.name, mailbox.name]  # refused, refreshed, accepted
    assert len(server.box.received) == 1


# --- configuration --------------------------------------------------------------------


def account_config(**keys: Any) -> AccountConfig:
    base = {"name": "work", "username": "va@example.com"}
    [account] = parse_config({**TEST_CONFIG, "accounts": [{**base, **keys}]}, "t").accounts
    return account


def test_providers_fill_in_host_port_security_and_endpoints() -> None:
    gmail = account_config(provider="gmail", password_env="X")
    assert (gmail.host, gmail.port, gmail.security) == ("imap.gmail.com", 993, "tls")
    config = parse_config(
        {
            **TEST_CONFIG,
            "accounts": [
                {"name": "w", "username": "u", "provider": "microsoft365", "password_env": "X"}
            ],
        },
        "t",
    )
    assert "Microsoft 365 refuses password logins" in config.warnings[0]
    ms = account_config(
        provider="microsoft365",
        auth="oauth2",
        oauth={"client_id": "abc", "tenant": "contoso.onmicrosoft.com"},
    )
    assert (ms.host, ms.port, ms.security) == ("outlook.office365.com", 993, "tls")
    assert ms.oauth is not None
    assert ms.oauth.device_code_url == (
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode"
    )
    assert "https://outlook.office.com/IMAP.AccessAsUser.All" in ms.oauth.scopes
    assert "offline_access" in ms.oauth.scopes


def test_smtp_providers_and_a_shared_sign_in() -> None:
    def smtp(**keys: Any) -> SmtpConfig:
        account = {
            "name": "work",
            "provider": "microsoft365",
            "username": "va@example.com",
            "auth": "oauth2",
            "oauth": {"client_id": "abc"},
        }
        config = parse_config(
            {**TEST_CONFIG, "accounts": [account], "smtp": {"from": "va@example.com", **keys}}, "t"
        )
        assert config.smtp is not None
        return config.smtp

    ms = smtp(provider="microsoft365", auth="oauth2", oauth_account="work")
    assert (ms.host, ms.port, ms.security, ms.username) == (
        "smtp.office365.com",
        587,
        "starttls",
        "va@example.com",
    )
    assert ms.oauth is not None and ms.oauth.token_file is not None
    assert ms.oauth.token_file.name == "work.json"
    gmail = smtp(provider="gmail", password_env="X", username="u")
    assert (gmail.host, gmail.port, gmail.security) == ("smtp.gmail.com", 465, "tls")
    gmail = smtp(provider="gmail", security="starttls", password_env="X", username="u")
    assert (gmail.port, gmail.security) == (587, "starttls")


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"auth": "oauth2", "host": "h"}, "needs token_command"),
        (
            {"auth": "oauth2", "host": "h", "password_env": "X", "token_command": "t"},
            "uses a token, not a password",
        ),
        ({"host": "h", "password_env": "X", "token_command": "t"}, "only used with auth"),
        (
            {
                "auth": "oauth2",
                "host": "h",
                "password_file": "/run/secrets/x",
                "token_command": "t",
            },
            "uses a token, not a password",
        ),
        (
            {"auth": "oauth2", "host": "h", "password_command": "pass x", "token_command": "t"},
            "uses a token, not a password",
        ),
        (
            {"host": "h", "password_file": "/run/secrets/x", "oauth": {"client_id": "c"}},
            "only used with auth",
        ),
        ({"auth": "oauth2", "host": "h", "oauth": {"client_id": "c"}}, "set token_url"),
        ({"provider": "yahoo", "password_env": "X"}, "'gmail' or 'microsoft365'"),
    ],
)
def test_oauth_settings_are_validated(keys: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        account_config(**keys)


def test_smtp_oauth2_refuses_a_password_file_and_password_file_still_works_alone() -> None:
    accounts = [{"name": "work", "host": "h", "username": "u", "password_env": "X"}]
    with pytest.raises(ConfigError, match="uses a token, not a password"):
        parse_config(
            {
                **TEST_CONFIG,
                "accounts": accounts,
                "smtp": {
                    "host": "h",
                    "from": "a@example.com",
                    "username": "u",
                    "auth": "oauth2",
                    "token_command": "t",
                    "password_file": "/run/secrets/smtp",
                },
            },
            "t",
        )
    smtp = parse_config(
        {
            **TEST_CONFIG,
            "accounts": accounts,
            "smtp": {
                "host": "h",
                "from": "a@example.com",
                "username": "u",
                "password_file": "/run/secrets/smtp",
            },
        },
        "t",
    ).smtp
    assert smtp is not None and smtp.auth == "password"
    assert smtp.password_file == "/run/secrets/smtp"


def test_token_command_is_read_until_it_exits(
    mailbox: MailUser, oauth_server: OAuthServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """token_command uses password_command's reader: a helper that leaves a child holding
    its stdout open (an agent) gives its token at once, not after the timeout."""
    monkeypatch.setattr(credentials, "COMMAND_TIMEOUT_SECONDS", 5)
    access, _refresh = oauth_server.state.issue(mailbox.name)
    pid_file = tmp_path / "child.pid"
    helper = tmp_path / "agent-helper.sh"
    helper.write_text(f"#!/bin/sh\necho {access}\nsleep 30 &\necho $! > {pid_file}\n")
    helper.chmod(0o700)
    account = oauth_account(
        mailbox, oauth_server, tmp_path, oauth=OAuthConfig(token_command=str(helper))
    )
    tokens = account_password(account)
    assert not isinstance(tokens, str)
    try:
        started = time.monotonic()
        token = tokens.access_token()
        elapsed = time.monotonic() - started
        os.kill(int(pid_file.read_text()), 0)  # the child really was still running
        with ImapSession(account, tokens) as session:  # and the token it printed works
            assert session.select_readonly("INBOX").exists == 0
    finally:
        with suppress(ProcessLookupError, ValueError, FileNotFoundError):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
    assert token == access
    # Timed apart from the login: Dovecot delays logins after the failed ones of other tests.
    assert elapsed < 2, f"token_command took {elapsed:.1f} s"


def test_token_command_supplies_the_token(
    mailbox: MailUser, oauth_server: OAuthServer, tmp_path: Path
) -> None:
    access, _refresh = oauth_server.state.issue(mailbox.name)
    helper = tmp_path / "helper.sh"
    helper.write_text(f"#!/bin/sh\necho {access}\n")
    helper.chmod(0o700)
    account = oauth_account(
        mailbox, oauth_server, tmp_path, oauth=OAuthConfig(token_command=str(helper))
    )
    with ImapSession(account, account_password(account)) as session:
        names = [f.name for f in session.list_folders()]
    assert sorted(names) == sorted(["INBOX", LOCALIZED_SENT])
