"""A throwaway Dovecot for tests and benchmarks (recipe: ../shared/testing/DOVECOT.md).

``DovecotServer.start()`` runs ``/usr/sbin/dovecot -F`` from a config in a fresh temporary
folder, on free loopback ports; ``add_user()`` gives each test its own mailbox. Messages are
seeded either by writing Maildir files directly (fast, for big mailboxes) or by APPEND.
With ``tls=True`` the server gets a self-signed certificate made with the openssl CLI and
offers both implicit TLS (``tls_port``) and STARTTLS on ``port``.

This module talks to the server with imapclient directly: it is the test's independent view
of the mailbox, deliberately not going through :mod:`inboxwatch.sources.imap`.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from imapclient import IMAPClient

from inboxwatch.config import AccountConfig

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
START_TIMEOUT_S = 10.0

_CONFIG = """\
instance_name = inboxwatch-test-{port}
base_dir = {dir}/run
state_dir = {dir}/state
protocols = imap
listen = 127.0.0.1
log_path = {dir}/dovecot.log
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth_mechanisms}
{internal_users}
auth_failure_delay = 0
{oauth_passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/users/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "{sent_mailbox}" {{
    special_use = \\Sent
    auto = create
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
{ssl}
"""

# Dovecot asks the test's OAuth server (tests/oauthserver.py) whether a token is valid.
_OAUTH_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {dir}/oauth2.conf
}}
"""
_OAUTH_CONF = """\
introspection_mode = post
introspection_url = {url}
username_attribute = email
active_attribute = active
active_value = true
"""

_SSL_ON = """\
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_self_signed_cert(folder: Path, name: str = "localhost") -> tuple[Path, Path]:
    """Write cert.pem/key.pem for *name* and 127.0.0.1 with the openssl CLI."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={name}",
            "-addext",
            f"subjectAltName=DNS:{name},IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _wait_for_greeting(port: int, deadline: float) -> None:
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"dovecot did not answer on port {port}")
        time.sleep(0.05)


@dataclass
class DovecotServer:
    """One running Dovecot instance in its own temporary folder."""

    root: Path
    port: int
    tls_port: int
    cert: Path | None
    process: subprocess.Popen[bytes]
    mail_uid: int
    mail_gid: int

    @classmethod
    def start(
        cls, *, tls: bool = False, introspection_url: str | None = None, sent_mailbox: str = "Sent"
    ) -> DovecotServer:
        """Start a server; with *introspection_url* it also takes OAuth2 tokens (XOAUTH2,
        OAUTHBEARER) and checks them there; *sent_mailbox* is the folder flagged \\Sent."""
        root = Path(tempfile.mkdtemp(prefix="iw-dovecot-"))
        root.chmod(0o755)  # the auth process must read the users file
        (root / "mail").mkdir()
        # One passwd-file per user: Dovecot re-reads a changed file only when its mtime
        # moves to another second, so appending users to one file races with logins.
        (root / "users").mkdir()
        port, tls_port = free_port(), free_port()
        cert = make_self_signed_cert(root)[0] if tls else None
        mail_uid, mail_gid = _mail_ids()
        if introspection_url:
            (root / "oauth2.conf").write_text(_OAUTH_CONF.format(url=introspection_url))
        (root / "dovecot.conf").write_text(
            _CONFIG.format(
                dir=root,
                port=port,
                tls_port=tls_port if tls else 0,
                sent_mailbox=sent_mailbox,
                oauth_mechanisms=" xoauth2 oauthbearer" if introspection_url else "",
                oauth_passdb=_OAUTH_PASSDB.format(dir=root) if introspection_url else "",
                internal_users=_internal_users(),
                ssl=_SSL_ON.format(dir=root) if tls else "ssl = no",
            ),
            encoding="utf-8",
        )
        os.chown(root / "mail", mail_uid, mail_gid)
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        server = cls(root, port, tls_port, cert, process, mail_uid, mail_gid)
        try:
            _wait_for_greeting(port, time.monotonic() + START_TIMEOUT_S)
        except RuntimeError:
            server.stop()
            raise RuntimeError(f"dovecot failed to start: {server.log_tail()}") from None
        return server

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    def stop(self) -> None:
        """Stop the server (SIGTERM to our own child) and remove its folder."""
        if self.process.poll() is None:
            self.resume()
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def pause(self) -> None:
        """Stall the server: SIGSTOP to the master (new connections hang)."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def log_tail(self, lines: int = 20) -> str:
        path = self.root / "dovecot.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def add_user(self, name: str, password: str = "secret") -> MailUser:
        home = self.root / "mail" / name
        home.mkdir()
        os.chown(home, self.mail_uid, self.mail_gid)
        (self.root / "users" / name).write_text(
            f"{name}:{{PLAIN}}{password}:{self.mail_uid}:{self.mail_gid}::{home}::\n"
        )
        return MailUser(self, name, password, home)

    def doveadm(self, *args: str) -> str:
        result = subprocess.run(
            [DOVEADM, "-c", str(self.config_path), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout


def _mail_ids() -> tuple[int, int]:
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return nobody.pw_uid, nobody.pw_gid
    return os.getuid(), os.getgid()


def _internal_users() -> str:
    if os.geteuid() == 0:
        return ""  # keep Debian's dovecot/dovenull service users
    me = pwd.getpwuid(os.getuid()).pw_name
    return (
        f"default_internal_user = {me}\ndefault_internal_group = {me}\ndefault_login_user = {me}\n"
    )


_counter = itertools.count()


@dataclass
class MailUser:
    """One mailbox on a :class:`DovecotServer`."""

    server: DovecotServer
    name: str
    password: str
    home: Path

    def account(self, **changes: object) -> AccountConfig:
        """An AccountConfig pointing at this mailbox over plain loopback IMAP."""
        account = AccountConfig(
            name=f"acct-{self.name}",
            host="127.0.0.1",
            port=self.server.port,
            security="none",
            username=self.name,
            password_env="IW_TEST_PASSWORD",
            password_command=None,
            folders=("INBOX",),
            sent_folder="Sent",
            timeout_seconds=10.0,
        )
        return replace(account, **changes)  # type: ignore[arg-type]

    def maildir(self, folder: str = "INBOX") -> Path:
        base = self.home / "Maildir"
        return base if folder == "INBOX" else base / ("." + folder.replace("/", "."))

    def seed(self, messages: Iterable[bytes], folder: str = "INBOX", flags: str = "") -> int:
        """Write messages straight into the Maildir (Dovecot indexes them on SELECT)."""
        path = self.maildir(folder)
        for sub in ("cur", "new", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        host = socket.gethostname()
        count = 0
        for raw in messages:
            name = f"{int(time.time())}.M{next(_counter)}P{os.getpid()}.{host}:2,{flags}"
            (path / "cur" / name).write_bytes(raw)
            count += 1
        self._chown_tree()
        return count

    def _chown_tree(self) -> None:
        uid, gid = self.server.mail_uid, self.server.mail_gid
        for dirpath, _dirs, files in os.walk(self.home):
            os.chown(dirpath, uid, gid)
            for name in files:
                os.chown(os.path.join(dirpath, name), uid, gid)

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", self.server.port, ssl=False, timeout=10)
        if self.password.isascii():
            client.login(self.name, self.password)
        else:  # imaplib sends LOGIN as ASCII only
            client.plain_login(self.name, self.password)
        return client

    def append(self, raws: Sequence[bytes], folder: str = "INBOX") -> None:
        with self.client() as client:
            for raw in raws:
                client.append(folder, raw)

    def fetch_all(self, folder: str = "INBOX") -> dict[int, bytes]:
        """UID → raw bytes of every message in *folder*, as the server serves them."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            found: dict[int, bytes] = {}
            for start in range(0, len(uids), 500):
                chunk = uids[start : start + 500]
                for uid, data in client.fetch(chunk, ["BODY.PEEK[]"]).items():
                    found[uid] = data[b"BODY[]"]
            return found

    def hashes(self, folder: str = "INBOX") -> list[str]:
        """Sorted sha256 of every message in *folder* (duplicates kept)."""
        return sorted(hashlib.sha256(raw).hexdigest() for raw in self.fetch_all(folder).values())

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            # \Recent belongs to the session, not the message: leave it out.
            return {
                uid: tuple(f for f in data[b"FLAGS"] if f != b"\\Recent")
                for uid, data in client.fetch(uids, ["FLAGS"]).items()
            }

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client() as client:
            return int(client.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])

    def change_uidvalidity(
        self, uidvalidity: int, min_next_uid: int, folder: str = "INBOX"
    ) -> None:
        """Force a new UIDVALIDITY and renumber every message (the server's word for it)."""
        self.server.doveadm(
            "mailbox",
            "update",
            "-u",
            self.name,
            "--uid-validity",
            str(uidvalidity),
            "--min-next-uid",
            str(min_next_uid),
            folder,
        )

    def expunge(self, uid: int, folder: str = "INBOX") -> None:
        self.server.doveadm("expunge", "-u", self.name, "mailbox", folder, "uid", str(uid))


# --- realistic test messages -------------------------------------------------------------

_VOCABULARY = (
    "project invoice deadline meeting review draft budget design change request "
    "feedback contract delivery schedule please thanks update final version client "
    "website logo colours approval payment week tomorrow urgent question call"
)
_WORDS = _VOCABULARY.split()
_BASE_DATE = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def _paragraphs(seed: int, size: int) -> str:
    words: list[str] = []
    total = 0
    n = seed
    while total < size:
        n = (n * 1103515245 + 12345) & 0x7FFFFFFF
        word = _WORDS[n % len(_WORDS)]
        words.append(word)
        total += len(word) + 1
    lines = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
    return "\r\n".join(lines)


def make_message(
    i: int,
    *,
    sender: str = "boss@acme.example",
    to: str = "anna@assist.example",
    subject: str | None = None,
    body_size: int = 3000,
    html: bool = False,
    message_id: str | None = "auto",
) -> bytes:
    """A realistic CRLF message (so the served bytes equal the seeded bytes)."""
    date = format_datetime(_BASE_DATE + timedelta(minutes=37 * i))
    text = _paragraphs(i + 1, body_size)
    headers = [
        f"From: Client {i % 7} <{sender}>",
        f"To: Anna <{to}>",
        f"Subject: {subject or f'Re: project update #{i}'}",
        f"Date: {date}",
    ]
    if message_id == "auto":
        headers.append(f"Message-ID: <msg-{i}-{os.getpid()}@acme.example>")
    elif message_id is not None:
        headers.append(f"Message-ID: {message_id}")
    headers.append("MIME-Version: 1.0")
    if html:
        headers.append("Content-Type: text/html; charset=utf-8")
        body = "<html><body><p>" + text.replace("\r\n", "</p>\r\n<p>") + "</p></body></html>"
    else:
        headers.append("Content-Type: text/plain; charset=utf-8")
        body = text
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode("utf-8")
