"""The one exception tree of inboxwatch.

Every error a user can see is an ``InboxwatchError`` whose message says what went wrong
and what to do about it. Third-party errors are translated at the adapter boundary
(``raise OurError(...) from exc``) so the CLI and daemon only ever catch these::

    InboxwatchError
    ├── UsageError               the command line names something that does not exist
    ├── ConfigError              the config file is missing, unreadable or invalid
    ├── CredentialError          a password could not be obtained (env var unset, command failed)
    │   └── TokenError           an OAuth2 token could not be obtained, refreshed, or was revoked
    ├── StorageError             the database failed (unreachable, disk full, migration)
    ├── SourceError              a mail source failed as a whole
    │   ├── ImapError            any IMAP problem not covered below
    │   │   ├── ImapConnectError host unreachable, timeout, dropped connection
    │   │   ├── ImapTlsError     certificate verification failed, STARTTLS not offered
    │   │   └── ImapAuthError    the server rejected the login
    │   └── ExportError          an mbox/Maildir export or a ledger CSV could not be read
    ├── MessageParseError        one message could not be parsed (it is stored raw with this reason)
    ├── ModelError               the classifier artifacts are missing, foreign or of another version
    ├── LockError                another inboxwatch process holds the lock
    └── DeliveryError            the alert e-mail could not be sent
        └── DeliveryDeferred     ...not yet: it stays queued and is retried later
"""

from __future__ import annotations


class InboxwatchError(Exception):
    """Root of every error inboxwatch raises on purpose."""


class UsageError(InboxwatchError):
    """The command line names something that does not exist (a client, a message)."""


class ConfigError(InboxwatchError):
    """The configuration is missing, unreadable or invalid."""


class CredentialError(InboxwatchError):
    """A password could not be obtained from its environment variable or command."""


class TokenError(CredentialError):
    """An OAuth2 access token could not be obtained: no sign-in yet, the refresh token was
    revoked or expired, or the token endpoint could not be reached."""


class StorageError(InboxwatchError):
    """The database could not be opened, migrated or written."""


class SourceError(InboxwatchError):
    """A mail source (IMAP account or export) failed as a whole."""


class ImapError(SourceError):
    """An IMAP operation failed."""


class ImapConnectError(ImapError):
    """The IMAP server could not be reached, timed out, or dropped the connection."""


class ImapTlsError(ImapError):
    """TLS failed: the certificate was not trusted, or STARTTLS was required but not offered."""


class ImapAuthError(ImapError):
    """The IMAP server rejected the username or password."""


class ExportError(SourceError):
    """An mbox or Maildir export, or a ledger CSV, could not be read."""


class MessageParseError(InboxwatchError):
    """One message could not be parsed; it is kept raw with this reason."""


class ModelError(InboxwatchError):
    """The classifier model is missing, was not produced by inboxwatch, or has the wrong version."""


class LockError(InboxwatchError):
    """Another inboxwatch process holds the lock for this database or account."""


class DeliveryError(InboxwatchError):
    """The alert e-mail could not be delivered."""


class DeliveryDeferred(DeliveryError):
    """The alert e-mail could not be delivered yet; it stays queued and is retried."""
