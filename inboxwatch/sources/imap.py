"""The IMAP adapter: the only module that imports imapclient.

:class:`ImapSession` wraps one connection to one account and offers exactly the operations
the sync needs, all read-only (``EXAMINE`` and ``BODY.PEEK[]``) except :meth:`add_keywords`
and :meth:`store_keywords`, which refuse unless the account has ``allow_write = true``.
Every imapclient, imaplib, socket and ssl error is translated here (see
:meth:`ImapSession._boundary`)::

    ssl.SSLCertVerificationError           -> ImapTlsError    (pin the cert with ca_file)
    other TLS failure while connecting     -> ImapTlsError
    refused, unresolvable, timeout, EOF,
    abort, TLS failure after connecting    -> ImapConnectError (retry with backoff)
    rejected LOGIN or AUTHENTICATE         -> ImapAuthError   (check the password)
    non-ASCII password, no AUTH=PLAIN      -> ImapAuthError   (nothing is sent)
    rejected OAuth2 token, even refreshed  -> ImapAuthError   (check the app's scopes)
    any other NO/BAD from the server       -> ImapError

With ``auth = "oauth2"`` the session logs in with SASL XOAUTH2 or OAUTHBEARER; a refused
token is refreshed once (it may have expired or been revoked since it was issued) and
tried again on the same connection.

After an :class:`ImapConnectError` the session is broken: close it and open a new one.
The protocol log of imaplib is switched off so message bodies never reach a log.
"""

from __future__ import annotations

import imaplib
import logging
import re
import socket
import ssl
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import CapabilityError, LoginError, ProtocolError
from imapclient.imapclient import SENT

from inboxwatch.config import AccountConfig
from inboxwatch.errors import (
    ImapAuthError,
    ImapConnectError,
    ImapError,
    ImapTlsError,
    InboxwatchError,
)
from inboxwatch.oauth import Secret, TokenSource

logger = logging.getLogger(__name__)

# Servers drop IDLE after 30 minutes (RFC 2177); never wait that long in one IDLE.
IDLE_MAX_SECONDS = 25 * 60
# Empty early returns from IDLE tolerated before checking the connection with DONE.
IDLE_EARLY_WAKEUPS = 3
# UIDs per FETCH of sizes: keeps the command line well under servers' 64 kB limit.
SIZE_CHUNK = 2000
# TCP keepalive: first probe after 60 s idle, then every 15 s, give up after 4 misses.
KEEPALIVE = {"TCP_KEEPIDLE": 60, "TCP_KEEPINTVL": 15, "TCP_KEEPCNT": 4}
_KEYWORD = re.compile(r"^[A-Za-z0-9_.$-]+$")


@dataclass(frozen=True)
class FolderInfo:
    """What EXAMINE reported about a folder."""

    uidvalidity: int
    uidnext: int | None
    exists: int


def folder_info(select_response: dict[bytes, Any], folder: str, host: str) -> FolderInfo:
    """Build :class:`FolderInfo` from imapclient's parsed SELECT/EXAMINE response."""
    if b"UIDVALIDITY" not in select_response:
        raise ImapError(
            f"{host} did not report UIDVALIDITY for folder {folder!r}; "
            "inboxwatch cannot sync a folder without stable UIDs"
        )
    return FolderInfo(
        uidvalidity=int(select_response[b"UIDVALIDITY"]),
        uidnext=_optional_int(select_response.get(b"UIDNEXT")),
        exists=int(select_response.get(b"EXISTS", 0)),
    )


@dataclass(frozen=True)
class FolderEntry:
    """One folder as LIST shows it: its name and flags (``\\Sent``, ``\\HasNoChildren``...)."""

    name: str
    flags: tuple[str, ...]

    @property
    def special_use(self) -> tuple[str, ...]:
        """The RFC 6154 flags among :attr:`flags`."""
        return tuple(f for f in self.flags if f in SPECIAL_USE)


SPECIAL_USE = ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")


def _optional_int(value: object) -> int | None:
    return int(value) if isinstance(value, int) else None


def has_new_mail(responses: Sequence[tuple[Any, ...]]) -> bool:
    """Whether IDLE responses announce new mail (an EXISTS or RECENT count)."""
    return any(
        len(r) >= 2 and isinstance(r[0], int) and r[1] in (b"EXISTS", b"RECENT") for r in responses
    )


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class ImapSession:
    """One authenticated IMAP connection for one account; use it as a context manager.

        with ImapSession(account, secret) as session:
            info = session.select_readonly("INBOX")
            uids = session.search_uids_after(last_uid)

    *secret* is the password, or with ``auth = "oauth2"`` the account's token source.
    """

    def __init__(self, account: AccountConfig, password: Secret) -> None:
        self.account = account
        self._password = password
        self._client: IMAPClient | None = None
        self._broken = False
        self._connecting = False

    def __repr__(self) -> str:  # never show the password
        return f"ImapSession({self.account.username}@{self._where})"

    @property
    def _where(self) -> str:
        return f"{self.account.host}:{self.account.port}"

    def __enter__(self) -> ImapSession:
        try:
            self.connect()
            self.login()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- connection ---------------------------------------------------------------------

    def connect(self) -> None:
        """Open the connection with the account's security; raises ImapConnectError/TlsError."""
        self._connecting = True
        try:
            with self._boundary("connecting"):
                self._client = self._open_client()
                _enable_keepalive(self._client.socket())
                if self.account.security == "starttls":
                    self._start_tls(self._client)
        finally:
            self._connecting = False

    def _open_client(self) -> IMAPClient:
        timeout = SocketTimeout(
            connect=self.account.timeout_seconds, read=self.account.timeout_seconds
        )
        secure = self.account.security == "tls"
        client = IMAPClient(
            self.account.host,
            self.account.port,
            ssl=secure,
            ssl_context=self._tls_context() if secure else None,
            timeout=timeout,
        )
        # imaplib's protocol trace would log message bodies at DEBUG: keep it off.
        client._imap.debug = 0
        return client

    def _tls_context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=self.account.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ImapTlsError(
                f"account {self.account.name!r}: cannot load ca_file {self.account.ca_file}: {exc}"
            ) from exc

    def _start_tls(self, client: IMAPClient) -> None:
        if not client.has_capability("STARTTLS"):
            self._broken = True
            raise ImapTlsError(
                f"{self._where} does not offer STARTTLS, and account {self.account.name!r} "
                "requires it; refusing to send the password in clear text (use "
                'security = "tls" with the server\'s TLS port, usually 993)'
            )
        client.starttls(self._tls_context())

    def login(self) -> None:
        """Authenticate; a rejected password raises ImapAuthError naming where to fix it.

        ASCII credentials go with LOGIN. Others go with AUTHENTICATE PLAIN, which carries
        UTF-8 (RFC 4616): LOGIN's quoted strings are 7-bit, and imaplib refuses anything
        else with an error that quotes a character of the password. A server without
        AUTH=PLAIN gets no password at all, and the error says why."""
        client = self._require_client()
        secret = self._password
        with self._boundary("logging in"):
            try:
                if isinstance(secret, str):
                    self._authenticate(client, secret)
                else:
                    self._token_login(client, secret)
            except LoginError as exc:
                raise self._login_error(str(exc)) from exc
        self._enable_condstore(client)

    def _authenticate(self, client: IMAPClient, password: str) -> None:
        username = self.account.username
        if username.isascii() and password.isascii():
            client.login(username, password)
        elif client.has_capability("AUTH=PLAIN"):
            client.plain_login(username, password)
        else:
            raise ImapAuthError(
                f"{self._where} does not offer AUTHENTICATE PLAIN, the only way inboxwatch "
                f"sends a user name or password with non-ASCII characters (such as accented "
                f"letters); the password was not sent. Change the password of "
                f"{self.account.username} to ASCII characters, or ask the provider to offer "
                "AUTH=PLAIN"
            )

    def _token_login(self, client: IMAPClient, tokens: TokenSource) -> None:
        try:
            self._sasl(client, tokens.access_token())
        except LoginError as exc:
            if "UNAVAILABLE" in str(exc).upper():
                raise
            logger.info("%s: the server refused the access token; refreshing it", self.account.name)
            self._sasl(client, tokens.refresh())

    def _sasl(self, client: IMAPClient, token: str) -> None:
        oauth = self.account.oauth
        if oauth is not None and oauth.mechanism == "oauthbearer":
            client.oauthbearer_login(self.account.username, token)
        else:
            client.oauth2_login(self.account.username, token)

    def _login_error(self, server_text: str) -> ImapError:
        if "UNAVAILABLE" in server_text.upper():
            return ImapConnectError(
                f"{self._where} could not check the login right now "
                f"({server_text.strip()}); will retry"
            )
        oauth = self.account.oauth
        if oauth is not None and oauth.token_command:
            return ImapAuthError(
                f"the server rejected the OAuth2 token for "
                f"{self.account.username} on {self.account.host}, twice: "
                "check what token_command prints (an access token, fresh)"
            )
        if self.account.auth == "oauth2":
            return ImapAuthError(
                f"the server rejected the OAuth2 token for {self.account.username} on "
                f"{self.account.host}, even freshly refreshed: check that IMAP is enabled for "
                "the mailbox and that the sign-in covers the IMAP scope (the README's Gmail / "
                f"Microsoft 365 steps), then: inboxwatch auth login {self.account.name}"
            )
        source = (
            f"the environment variable {self.account.password_env}"
            if self.account.password_env
            else f"the file {self.account.password_file}"
            if self.account.password_file
            else "the output of password_command"
        )
        ascii_password = not isinstance(self._password, str) or self._password.isascii()
        encoding = (
            ""
            if ascii_password
            else " (it has non-ASCII characters, sent as UTF-8; a server that expects "
            "another encoding rejects it)"
        )
        return ImapAuthError(
            f"the server rejected the login for {self.account.username} on "
            f"{self.account.host}: check the password in {source}{encoding}"
        )

    def _enable_condstore(self, client: IMAPClient) -> None:
        # With CONDSTORE enabled EXAMINE reports HIGHESTMODSEQ (kept for QRESYNC later).
        if client.has_capability("CONDSTORE"):
            with self._boundary("enabling CONDSTORE"):
                client.enable("CONDSTORE")

    def close(self) -> None:
        """Log out (or just drop the socket if the connection is already broken)."""
        client, self._client = self._client, None
        if client is None:
            return
        if not self._broken:
            try:
                client.logout()
                return
            except Exception:  # the connection is going away either way
                logger.debug("logout from %s failed; dropping the connection", self._where)
        with suppress(Exception):
            client.shutdown()

    def interrupt(self) -> None:
        """From another thread: shut the socket down so a blocked IDLE returns at once.

        The session is broken afterwards; the owner's next call raises ImapConnectError."""
        client = self._client
        if client is None:
            return
        self._broken = True
        with suppress(Exception):
            client.socket().shutdown(socket.SHUT_RDWR)

    def _require_client(self) -> IMAPClient:
        if self._client is None or self._broken:
            raise ImapConnectError(f"the connection to {self._where} is closed; reconnect")
        return self._client

    # --- reading ------------------------------------------------------------------------

    def select_readonly(self, folder: str) -> FolderInfo:
        """EXAMINE *folder* (read-only: flags such as \\Seen never change)."""
        client = self._require_client()
        try:
            with self._boundary(f"opening folder {folder!r}"):
                response = client.select_folder(folder, readonly=True)
        except ImapConnectError:
            raise
        except ImapError as exc:
            raise ImapError(
                f"cannot open folder {folder!r} on {self.account.host} "
                f"({exc.__cause__}); check 'folders' and 'sent_folder' of "
                f"account {self.account.name!r}"
            ) from exc.__cause__
        return folder_info(response, folder, self.account.host)

    def search_uids_after(self, last_uid: int) -> list[int]:
        """UIDs above *last_uid*, ascending (``UID SEARCH UID last+1:*``).

        ``n:*`` always matches the highest UID even when it is below n, so answers
        not above *last_uid* are dropped."""
        client = self._require_client()
        with self._boundary("searching for new mail"):
            found = client.search(["UID", f"{last_uid + 1}:*"])
        return sorted(uid for uid in found if uid > last_uid)

    def search_all_uids(self) -> list[int]:
        """Every UID in the selected folder, ascending (to compare UID sets)."""
        client = self._require_client()
        with self._boundary("listing messages"):
            return sorted(client.search("ALL"))

    def present_uids(self, uids: Sequence[int]) -> set[int]:
        """Which of *uids* the selected folder still holds (``UID SEARCH UID a,b,c``)."""
        client = self._require_client()
        found: set[int] = set()
        for chunk in _chunks(sorted(uids), SIZE_CHUNK):
            with self._boundary("checking which messages are still there"):
                found.update(client.search(["UID", ",".join(map(str, chunk))]))
        return found & set(uids)

    def fetch_sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """RFC822.SIZE of each UID still present (vanished UIDs are simply absent)."""
        client = self._require_client()
        sizes: dict[int, int] = {}
        for chunk in _chunks(uids, SIZE_CHUNK):
            with self._boundary("fetching message sizes"):
                response = client.fetch(chunk, ["RFC822.SIZE"])
            sizes.update(
                {
                    uid: int(data[b"RFC822.SIZE"])
                    for uid, data in response.items()
                    if b"RFC822.SIZE" in data
                }
            )
        return sizes

    def fetch_flags(self, uids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        """The FLAGS of each UID still present in the selected folder (read-only)."""
        client = self._require_client()
        flags: dict[int, tuple[str, ...]] = {}
        for chunk in _chunks(uids, SIZE_CHUNK):
            with self._boundary("fetching flags"):
                response = client.fetch(chunk, ["FLAGS"])
            flags.update(
                {
                    uid: tuple(_text(f) for f in data.get(b"FLAGS", ()))
                    for uid, data in response.items()
                }
            )
        return flags

    def fetch_bodies(self, uids: Sequence[int]) -> dict[int, bytes]:
        """The raw bytes of each UID still present, via BODY.PEEK[] (never sets \\Seen)."""
        client = self._require_client()
        with self._boundary(f"fetching {len(uids)} messages"):
            response = client.fetch(list(uids), ["BODY.PEEK[]"])
        return {
            uid: bytes(data[b"BODY[]"])
            for uid, data in response.items()
            if isinstance(data.get(b"BODY[]"), bytes)
        }

    def list_folders(self) -> list[FolderEntry]:
        """Every folder on the server with its LIST flags, in the server's order."""
        client = self._require_client()
        with self._boundary("listing folders"):
            listing = client.list_folders()
        return [
            FolderEntry(str(name), tuple(_text(f) for f in flags))
            for flags, _delimiter, name in listing
        ]

    def find_sent_folder(self) -> str | None:
        """The folder flagged ``\\Sent`` (RFC 6154 SPECIAL-USE); on servers without the
        flags, a folder with a common Sent name (imapclient's fallback); else None."""
        client = self._require_client()
        with self._boundary("looking for the Sent folder"):
            found = client.find_special_folder(SENT)
        return str(found) if found else None

    # --- waiting ------------------------------------------------------------------------

    def supports_idle(self) -> bool:
        """Whether the server offers IDLE (else the caller polls on an interval)."""
        client = self._require_client()
        with self._boundary("reading capabilities"):
            return bool(client.has_capability("IDLE"))

    def idle_wait(self, timeout_s: float = 600.0) -> bool:
        """IDLE on the selected folder for up to *timeout_s* (capped at 25 minutes).

        Returns True as soon as the server reports new mail, False on timeout. The caller
        re-issues IDLE (10 minutes is customary) and syncs when this returns True."""
        client = self._require_client()
        deadline = time.monotonic() + min(timeout_s, IDLE_MAX_SECONDS)
        try:
            with self._boundary("waiting in IDLE"):
                client.idle()
                news = self._idle_until(client, deadline)
                _text, late = client.idle_done()
        except ImapError as exc:
            if isinstance(exc.__cause__, CapabilityError):
                raise ImapError(
                    f"{self._where} does not support IDLE; poll on an interval instead"
                ) from exc.__cause__
            raise
        return news or has_new_mail(late)

    def _idle_until(self, client: IMAPClient, deadline: float) -> bool:
        early_empty = 0
        while (left := deadline - time.monotonic()) > 0:
            responses = client.idle_check(timeout=left)
            if has_new_mail(responses):
                return True
            if responses or deadline - time.monotonic() <= 0:
                continue
            # Woken early with nothing to read: imapclient swallows EOF here, so a closed
            # connection looks like this. Stop spinning; DONE will fail if the link is dead.
            early_empty += 1
            if early_empty >= IDLE_EARLY_WAKEUPS:
                break
        return False

    # --- writing (opt-in) ---------------------------------------------------------------

    def add_keywords(self, folder: str, uid: int, keywords: Sequence[str]) -> None:
        """Add IMAP keywords to one message; only when the account has allow_write = true.

        Leaves *folder* selected read-write: call :meth:`select_readonly` before reading."""
        if not self.account.allow_write:
            raise ImapError(
                f"account {self.account.name!r} is read-only: inboxwatch never "
                "changes your mailbox unless you set allow_write = true"
            )
        bad = [k for k in keywords if not _KEYWORD.match(k)]
        if bad:
            raise ValueError(f"not valid IMAP keywords: {bad!r}")
        client = self._require_client()
        with self._boundary(f"adding keywords in folder {folder!r}"):
            client.select_folder(folder, readonly=False)
            client.add_flags([uid], list(keywords), silent=True)

    def store_keywords(
        self, folder: str, add: Mapping[str, Sequence[int]], remove: Mapping[str, Sequence[int]]
    ) -> None:
        """``UID STORE +FLAGS.SILENT`` / ``-FLAGS.SILENT`` of exactly these keywords on these
        UIDs: no other flag (\\Seen included) is named, so none changes. Only with
        allow_write = true; the folder is selected read-write for this and then EXAMINEd
        again, so the session stays read-only for everything else."""
        self._require_writable(list(add) + list(remove))
        client = self._require_client()
        with self._boundary(f"setting keywords in folder {folder!r}"):
            response = client.select_folder(folder, readonly=False)
            self._require_keyword_support(response, folder)
            for keyword, uids in add.items():
                for chunk in _chunks(sorted(uids), SIZE_CHUNK):
                    client.add_flags(chunk, [keyword], silent=True)
            for keyword, uids in remove.items():
                for chunk in _chunks(sorted(uids), SIZE_CHUNK):
                    client.remove_flags(chunk, [keyword], silent=True)
        self.select_readonly(folder)

    def _require_writable(self, keywords: Sequence[str]) -> None:
        if not self.account.allow_write:
            raise ImapError(
                f"account {self.account.name!r} is read-only: inboxwatch never "
                "changes your mailbox unless you set allow_write = true"
            )
        bad = [k for k in keywords if not _KEYWORD.match(k)]
        if bad:
            raise ValueError(f"not valid IMAP keywords: {bad!r}")

    def _require_keyword_support(self, response: dict[bytes, Any], folder: str) -> None:
        permanent = response.get(b"PERMANENTFLAGS", ())
        if b"\\*" not in permanent:
            raise ImapError(
                f"{self.account.host} does not let clients create keywords in "
                f"folder {folder!r} (no \\* in PERMANENTFLAGS); set allow_write "
                f"= false for account {self.account.name!r}"
            )

    # --- the error boundary -------------------------------------------------------------

    @contextmanager
    def _boundary(self, doing: str) -> Iterator[None]:
        """Translate every third-party error raised while *doing* into our tree."""
        try:
            yield
        except InboxwatchError:
            raise
        except (imaplib.IMAP4.abort, ProtocolError, OSError) as exc:
            self._broken = True
            raise self._network_error(exc, doing) from exc
        except imaplib.IMAP4.error as exc:
            raise ImapError(f"{self._where}: the server refused {doing}: {exc}") from exc

    def _network_error(self, exc: BaseException, doing: str) -> ImapError:
        where, host = self._where, self.account.host
        if isinstance(exc, ssl.SSLCertVerificationError):
            return ImapTlsError(
                f"the TLS certificate for {host} is not trusted ({exc.verify_message}); "
                f"if this is your own server, set ca_file of account {self.account.name!r} "
                "to its certificate (PEM) to pin it"
            )
        if isinstance(exc, ssl.SSLError) and self._connecting:
            return ImapTlsError(
                f"TLS with {where} failed: {exc.reason or exc}; check the "
                "port and the security setting (tls = port 993, starttls = 143)"
            )
        if isinstance(exc, socket.gaierror):
            return ImapConnectError(
                f"cannot resolve {host} ({exc.strerror}); check the host name and the network"
            )
        if isinstance(exc, ConnectionRefusedError):
            return ImapConnectError(
                f"{where} refused the connection: is the IMAP server running and the port right?"
            )
        if isinstance(exc, TimeoutError) or "timed out" in str(exc):
            return ImapConnectError(
                f"{where} did not answer within {self.account.timeout_seconds:g} s while {doing}"
            )
        return ImapConnectError(
            f"the connection to {where} failed while {doing}: {exc or type(exc).__name__}"
        )


def _text(flag: bytes | str) -> str:
    return flag.decode("ascii", "replace") if isinstance(flag, bytes) else str(flag)


def _enable_keepalive(sock: socket.socket) -> None:
    """TCP keepalive, so a silently dead peer is noticed even while idling."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in KEEPALIVE.items():
        option = getattr(socket, name, None)
        if option is not None:
            sock.setsockopt(socket.IPPROTO_TCP, option, value)
