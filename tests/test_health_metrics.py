"""Per-account health and the Prometheus metrics, after real syncs against Dovecot.

Two accounts on the test Dovecot: one that syncs, one whose password the server rejects.
`health` must name the failing one (and only it), `metrics` must count what happened, and
the HTTP endpoint must serve the same text to a real scrape.
"""

from __future__ import annotations

import re
import urllib.request
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from inboxwatch.app.daemon import SERVICE_LEASE
from inboxwatch.app.metrics import MetricsServer, metrics_text
from inboxwatch.app.service_commands import health_problems
from inboxwatch.config import Config, HealthConfig, parse_config
from inboxwatch.ingest.pipeline import IngestContext
from inboxwatch.ingest.sync import Backoff, poll_all
from inboxwatch.storage.schema import account_health
from inboxwatch.storage.store import Store, utcnow
from tests.conftest import TEST_CONFIG
from tests.dovecot import MailUser, make_message


def _no_wait() -> Backoff:
    return Backoff(sleep=lambda _seconds: None)


def _two_accounts(dovecot: MailUser) -> Config:
    good = dovecot.account(name="good")
    bad = dovecot.account(name="bad")
    return replace(parse_config(TEST_CONFIG, "test"), accounts=(good, bad))


def _poll(config: Config, store: Store, ctx: IngestContext) -> None:
    passwords = {"good": "secret", "bad": "wrong-password"}
    poll_all(config, store, ctx, password_for=lambda a: passwords[a.name], backoff=_no_wait())


def _sample(text: str, name: str, account: str | None = None) -> float:
    labels = f'{{account="{account}"}}' if account else ""
    found = re.search(rf"^{name}{re.escape(labels)} (\S+)$", text, re.MULTILINE)
    assert found is not None, f"{name}{labels} missing from:\n{text}"
    return float(found.group(1))


def test_health_names_the_failing_account_and_only_it(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(i) for i in range(3)])
    config = _two_accounts(dovecot)
    _poll(config, sqlite_store, ingest_ctx)
    problems = health_problems(config, sqlite_store)
    account_lines = [p for p in problems if p.startswith("account ")]
    assert len(account_lines) == 1
    assert account_lines[0].startswith("account 'bad': no successful sync within")
    assert "last: never" in account_lines[0] and "rejected the login" in account_lines[0]


def test_an_account_whose_last_success_is_too_old_fails_health(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(1)])
    config = replace(_two_accounts(dovecot), health=HealthConfig(max_sync_age_minutes=60))
    config = replace(config, accounts=config.accounts[:1])
    _poll(config, sqlite_store, ingest_ctx)
    assert not [p for p in health_problems(config, sqlite_store) if p.startswith("account")]
    with sqlite_store.transaction() as conn:  # as if the account had failed for two hours
        conn.execute(update(account_health).values(last_success_at=utcnow() - timedelta(hours=2)))
    problems = health_problems(config, sqlite_store)
    assert any(
        p.startswith("account 'good': no successful sync within 1:00:00") for p in problems
    ), problems


def test_metrics_count_syncs_logins_and_messages(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(i) for i in range(3)])
    config = _two_accounts(dovecot)
    _poll(config, sqlite_store, ingest_ctx)
    dovecot.append([make_message(7)])
    _poll(config, sqlite_store, ingest_ctx)
    text = metrics_text(config, sqlite_store, SERVICE_LEASE)
    assert "# TYPE inboxwatch_account_login_failures_total counter" in text
    assert _sample(text, "inboxwatch_account_login_failures_total", "bad") == 2
    assert _sample(text, "inboxwatch_account_login_failures_total", "good") == 0
    assert _sample(text, "inboxwatch_account_messages_ingested_total", "good") == 4
    assert _sample(text, "inboxwatch_account_messages_stored", "good") == 4
    assert _sample(text, "inboxwatch_account_healthy", "good") == 1
    assert _sample(text, "inboxwatch_account_healthy", "bad") == 0
    assert _sample(text, "inboxwatch_account_last_success_timestamp_seconds", "bad") == 0
    now = (utcnow() - datetime(1970, 1, 1)).total_seconds()  # utcnow() is naive UTC
    last = _sample(text, "inboxwatch_account_last_success_timestamp_seconds", "good")
    assert now - 120 < last <= now + 1
    assert _sample(text, "inboxwatch_outbox_pending") == 0
    assert _sample(text, "inboxwatch_service_running") == 0


def test_the_metrics_endpoint_serves_the_same_to_a_real_scrape(
    dovecot: MailUser, sqlite_store: Store, ingest_ctx: IngestContext
) -> None:
    dovecot.seed([make_message(1)])
    config = _two_accounts(dovecot)
    _poll(config, sqlite_store, ingest_ctx)
    server = MetricsServer(config, sqlite_store, SERVICE_LEASE, "127.0.0.1", 0)
    server.start()
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{server.port}/metrics", timeout=10
        ) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            scraped = response.read().decode("utf-8")
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/other", timeout=10)
        assert missing.value.code == 404
    finally:
        server.stop()
    assert scraped == metrics_text(config, sqlite_store, SERVICE_LEASE)
    assert _sample(scraped, "inboxwatch_account_login_failures_total", "bad") == 1


def test_metrics_listen_is_validated() -> None:
    from inboxwatch.errors import ConfigError

    data = {**TEST_CONFIG, "metrics": {"listen": "[::1]:9108"}}
    metrics = parse_config(data, "test").metrics
    assert (metrics.listen_host, metrics.listen_port) == ("::1", 9108)
    with pytest.raises(ConfigError, match=r"metrics\.listen: expected host:port"):
        parse_config({**TEST_CONFIG, "metrics": {"listen": "9108"}}, "test")


def test_an_alert_being_sent_still_counts_as_pending(sqlite_store: Store) -> None:
    from email.message import EmailMessage

    from inboxwatch.reporting.mailer import enqueue
    from inboxwatch.storage.schema import outbox

    config = parse_config(TEST_CONFIG, "test")
    for key in ("alert:1", "alert:2"):
        message = EmailMessage()
        message["To"], message["Subject"] = "anna@assist.example", key
        enqueue(sqlite_store, key, message)
    with sqlite_store.transaction() as conn:  # a sender claimed one and is talking to SMTP
        conn.execute(
            update(outbox).where(outbox.c.dedupe_key == "alert:1").values(status="sending")
        )
    assert (
        _sample(metrics_text(config, sqlite_store, SERVICE_LEASE), "inboxwatch_outbox_pending") == 2
    )
