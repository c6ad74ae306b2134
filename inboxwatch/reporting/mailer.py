"""The alert e-mail: an outbox in the database, delivered over SMTP with retries.

A message is queued once under a dedupe key (e.g. ``daily-report:2026-11-13``). A sender
first *claims* the row in one conditional UPDATE (``pending`` → ``sending``, ``attempts`` + 1,
``next_attempt_at`` = the claim's deadline); of several senders — the service's outbox job,
``report --send``, another process — only the one whose UPDATE matched sends it. The claimed
``attempts`` value fences the outcome: marking the row sent or failed matches only while the
claim is still that sender's. A sender that crashed mid-send leaves the row ``sending``; after
``CLAIM_SECONDS`` the row is claimed again and re-sent (with the same Message-ID). A send that
fails with a
temporary error (server down, 4xx, refused login) stays pending and is retried with
exponential backoff; a permanent 5xx rejection is marked failed with the server's answer.
The Message-ID is fixed when the mail is queued, so a retry is the same mail, not a new one.
With ``auth = "oauth2"`` the login is SASL XOAUTH2 (or OAUTHBEARER); a refused token is
refreshed once and tried again on the same connection.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select, update

from inboxwatch.config import SmtpConfig
from inboxwatch.credentials import resolve_password
from inboxwatch.errors import DeliveryError
from inboxwatch.oauth import Secret, TokenSource, token_source
from inboxwatch.storage.schema import dialect_insert, outbox
from inboxwatch.storage.store import Store, utcnow

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
# Longer than any one send can take (a few SMTP commands, each bounded by the socket
# timeout); a claim older than this belongs to a sender that died.
CLAIM_SECONDS = 15 * 60.0


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    pending: int
    failed: int
    errors: tuple[str, ...]


def enqueue(store: Store, dedupe_key: str, message: EmailMessage) -> bool:
    """Queue *message* once under *dedupe_key*; False when that key was queued before."""
    if "Message-ID" not in message:
        message["Message-ID"] = make_msgid(domain="inboxwatch.invalid")
    recipients = ", ".join(str(v) for v in message.get_all("To", []))
    statement = (
        dialect_insert(store.engine.dialect.name, outbox)
        .values(
            dedupe_key=dedupe_key,
            recipients=recipients,
            subject=str(message["Subject"] or ""),
            mime=message.as_bytes(policy=SMTP_POLICY),
            status="pending",
            attempts=0,
            created_at=utcnow(),
            next_attempt_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(outbox.c.id)
    )
    with store.transaction() as conn:
        return conn.execute(statement).first() is not None


def deliver_pending(
    store: Store, smtp: SmtpConfig, password: Secret | None = None, now: datetime | None = None
) -> DeliveryReport:
    """Claim and send every message whose retry time has come (or whose sender died);
    a message another sender claimed first is left to it. Returns what happened."""
    now = now or utcnow()
    query = (
        select(outbox.c.id, outbox.c.recipients, outbox.c.mime, outbox.c.attempts)
        .where(outbox.c.status.in_(("pending", "sending")), outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.id)
    )
    with store.transaction() as conn:
        due = conn.execute(query).all()
    sent = failed = pending = 0
    errors: list[str] = []
    for row in due:
        attempt = _claim(store, row.id, row.attempts, now)
        if attempt is None:
            continue  # another sender claimed it first
        try:
            send_mime(smtp, password, row.recipients, row.mime)
        except DeliveryError as exc:
            permanent = (
                isinstance(exc.__cause__, smtplib.SMTPResponseException)
                and exc.__cause__.smtp_code >= 500
                and exc.__cause__.smtp_code != 535
            )
            _record_failure(store, row.id, attempt, str(exc), permanent, now)
            errors.append(str(exc))
            failed += permanent
            pending += not permanent
            continue
        _record_sent(store, row.id, attempt)
        sent += 1
    return DeliveryReport(sent=sent, pending=pending, failed=failed, errors=tuple(errors))


def _claim(store: Store, pk: int, attempts: int, now: datetime) -> int | None:
    """Take row *pk* for sending; its new attempt number, or None when another sender
    changed it since we read it (the WHERE on *attempts* makes this atomic)."""
    deadline = now + timedelta(seconds=CLAIM_SECONDS)
    with store.transaction() as conn:
        claimed = conn.execute(
            update(outbox)
            .where(
                outbox.c.id == pk,
                outbox.c.attempts == attempts,
                outbox.c.status.in_(("pending", "sending")),
                outbox.c.next_attempt_at <= now,
            )
            .values(status="sending", attempts=attempts + 1, next_attempt_at=deadline)
        ).rowcount
    return attempts + 1 if claimed == 1 else None


def _ours(pk: int, attempt: int) -> Any:
    return (outbox.c.id == pk) & (outbox.c.status == "sending") & (outbox.c.attempts == attempt)


def _record_sent(store: Store, pk: int, attempt: int) -> None:
    with store.transaction() as conn:
        conn.execute(
            update(outbox)
            .where(_ours(pk, attempt))
            .values(status="sent", sent_at=utcnow(), last_error=None)
        )


def _record_failure(
    store: Store, pk: int, attempt: int, error: str, permanent: bool, now: datetime
) -> None:
    delay = min(FIRST_RETRY * (2 ** (attempt - 1)), LONGEST_RETRY)
    logger.warning("alert mail %s not delivered (attempt %d): %s", pk, attempt, error)
    with store.transaction() as conn:
        conn.execute(
            update(outbox)
            .where(_ours(pk, attempt))
            .values(
                status="failed" if permanent else "pending",
                last_error=error[:1000],
                next_attempt_at=now + delay,
            )
        )


def smtp_password(smtp: SmtpConfig) -> Secret | None:
    """The SMTP password from its environment variable, file or command (the token source
    with ``auth = "oauth2"``); None when the server needs no login."""
    if smtp.auth == "oauth2" and smtp.oauth is not None:
        return token_source("smtp", smtp.oauth_account or "ACCOUNT", smtp.oauth)
    if not (smtp.password_env or smtp.password_command or smtp.password_file):
        return None
    return resolve_password("smtp", smtp.password_env, smtp.password_command, smtp.password_file)


def send_mime(smtp: SmtpConfig, password: Secret | None, recipients: str, mime: bytes) -> None:
    """Send raw *mime* to the comma-separated *recipients*; SMTP errors become DeliveryError."""
    to_addrs = [a.strip() for a in recipients.split(",") if a.strip()]
    where = f"{smtp.host}:{smtp.port}"
    try:
        with _connect(smtp) as client:
            if smtp.username and isinstance(password, str) and password:
                _password_login(client, smtp.username, password, where)
            elif smtp.username and password is not None and not isinstance(password, str):
                _token_login(client, smtp, password)
            client.sendmail(smtp.from_addr, to_addrs, mime)
    except smtplib.SMTPAuthenticationError as exc:
        what = "the OAuth2 token, even refreshed" if smtp.auth == "oauth2" else "the password"
        raise DeliveryError(
            f"SMTP server {where} refused the login for {smtp.username} "
            f"({exc.smtp_code}); check {what}"
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"SMTP server {where} answered {exc.smtp_code}: {_text(exc.smtp_error)}"
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"SMTP server {where} refused the recipients") from exc
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"TLS with {where} failed: {exc.reason or exc}; set smtp.ca_file "
            "to trust a private certificate"
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(
            f"cannot reach SMTP server {where}: {exc or type(exc).__name__}"
        ) from exc


def _password_login(client: smtplib.SMTP, username: str, password: str, where: str) -> None:
    """Log in with a password. smtplib encodes the user name and password as ASCII and
    fails on anything else, so a non-ASCII one goes as UTF-8 over AUTH PLAIN (RFC 4616
    defines it as UTF-8) or AUTH LOGIN, whichever the server offers."""
    if username.isascii() and password.isascii():
        client.login(username, password)
        return
    client.ehlo_or_helo_if_needed()
    offered = client.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" in offered:
        secret = b"\0" + username.encode() + b"\0" + password.encode()
        code, answer = client.docmd("AUTH", "PLAIN " + _b64(secret))
    elif "LOGIN" in offered:
        code, answer = client.docmd("AUTH", "LOGIN " + _b64(username.encode()))
        if code == 334:
            code, answer = client.docmd(_b64(password.encode()))
    else:
        mechanisms = ", ".join(offered) or "no password login"
        raise DeliveryError(
            f"SMTP server {where} offers {mechanisms}, which cannot carry a user name or "
            'password with non-ASCII characters; use an ASCII password or auth = "oauth2"'
        )
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _token_login(client: smtplib.SMTP, smtp: SmtpConfig, tokens: TokenSource) -> None:
    assert smtp.username is not None
    try:
        _sasl(client, smtp, tokens.access_token())
    except smtplib.SMTPAuthenticationError:
        logger.info("smtp: the server refused the access token; refreshing it")
        _sasl(client, smtp, tokens.refresh())


def _sasl(client: smtplib.SMTP, smtp: SmtpConfig, token: str) -> None:
    """AUTH XOAUTH2 / OAUTHBEARER with *token* as the initial response."""
    user = smtp.username or ""
    if smtp.oauth is not None and smtp.oauth.mechanism == "oauthbearer":
        mechanism = "OAUTHBEARER"
        initial = f"n,a={user},\1auth=Bearer {token}\1\1"
    else:
        mechanism = "XOAUTH2"
        initial = f"user={user}\1auth=Bearer {token}\1\1"

    def answer(challenge: bytes | None = None) -> str:
        # After a refusal the server sends an error challenge; an empty reply ends it.
        return initial if challenge is None else ""

    client.ehlo_or_helo_if_needed()
    client.auth(mechanism, answer, initial_response_ok=True)


def _connect(smtp: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=smtp.ca_file)
    if smtp.security == "tls":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context)
    client = smtplib.SMTP(
        smtp.host,
        smtp.port,
        timeout=smtp.timeout_seconds,
        local_hostname=socket.getfqdn() or "localhost",
    )
    if smtp.security == "starttls":
        client.ehlo()
        if not client.has_extn("starttls"):
            client.close()
            raise smtplib.SMTPNotSupportedError(
                "the server does not offer STARTTLS, which the config requires"
            )
        client.starttls(context=context)
        client.ehlo()
    return client


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
