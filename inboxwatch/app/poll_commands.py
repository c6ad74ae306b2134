"""``inboxwatch poll --once``: one pass over every account, bounded in time when servers do
not answer.

A server that accepts connections but never speaks would otherwise cost the account's
``timeout_seconds`` per attempt, times the reconnects, plus back-off (over six minutes with
the defaults). Here all accounts share one budget of seconds for *waiting on servers that do
not answer*: each connection attempt may wait at most what is left of it, and once it is
spent the account gives up with ImapConnectError. Time spent syncing a server that answers
is not counted, so a long first sync is never cut short.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from inboxwatch.config import AccountConfig, Config
from inboxwatch.errors import ConfigError, ImapConnectError, InboxwatchError
from inboxwatch.ingest.sync import AccountReport, Backoff, poll_all
from inboxwatch.oauth import Secret
from inboxwatch.sources.imap import ImapSession
from inboxwatch.storage.store import Store

MIN_ATTEMPT_SECONDS = 2.0  # an attempt shorter than this could not even finish a TLS handshake


class WaitBudget:
    """The seconds ``poll --once`` may still spend waiting on servers that do not answer."""

    def __init__(self, seconds: float) -> None:
        self.total = seconds
        self.left = seconds
        self.last_error: ImapConnectError | None = None

    def charge(self, seconds: float, error: ImapConnectError) -> None:
        self.left -= seconds
        self.last_error = error

    def session(self, account: AccountConfig, password: Secret) -> ImapSession:
        """A session whose connection attempt waits at most what is left of the budget."""
        timeout = min(account.timeout_seconds, max(self.left, MIN_ATTEMPT_SECONDS))
        return _BudgetedSession(replace(account, timeout_seconds=timeout), password, self)

    def sleep(self, seconds: float) -> None:
        """The back-off before a reconnect; gives up instead when the budget cannot cover it
        (raising out of the reconnect loop, so the account fails at once)."""
        if seconds >= self.left:
            raise ImapConnectError(
                f"gave up after waiting {self.total:g} s in all for the server to answer "
                f"(poll --once --wait); last error: {self.last_error}"
            )
        self.left -= seconds
        time.sleep(seconds)


class _BudgetedSession(ImapSession):
    """An ImapSession that charges a failed connection attempt to its WaitBudget."""

    def __init__(self, account: AccountConfig, password: Secret, budget: WaitBudget) -> None:
        super().__init__(account, password)
        self._budget = budget

    def __enter__(self) -> ImapSession:
        started = time.monotonic()
        try:
            return super().__enter__()
        except ImapConnectError as exc:
            self._budget.charge(time.monotonic() - started, exc)
            raise


def poll_once(config: Config, store: Store, wait_seconds: float) -> list[AccountReport]:
    """Sync every account once; waiting on unresponsive servers is bounded by *wait_seconds*
    in all. A failed account has its ``error`` set; the others are still synced."""
    from inboxwatch.classifying.classifier import Classifier
    from inboxwatch.ingest.pipeline import IngestContext

    if not config.accounts:
        raise ConfigError(f"{config.path}: no [[accounts]] configured; nothing to poll")
    budget = WaitBudget(wait_seconds)
    ctx = IngestContext.from_config(config, Classifier.load(config.models_dir))
    return poll_all(
        config, store, ctx, session_factory=budget.session, backoff=Backoff(sleep=budget.sleep)
    )


def account_errors(reports: Sequence[AccountReport]) -> list[InboxwatchError]:
    """The errors of the accounts that failed as a whole, in config order."""
    return [report.error for report in reports if report.error is not None]
