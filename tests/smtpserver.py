"""A real SMTP server for tests (aiosmtpd), with switchable failures, a slow mode and optional
AUTH.

    with smtp_server() as server:
        server.box.slow_seconds = 60     # answer each DATA only after a minute ...
        ...
        server.box.release()             # ... or at once from now on
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    """What the server received, and how it should answer the next DATA commands."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)  # time.time() of each
    refuse_next: int = 0
    refusal: str = "451 4.3.0 Try again later"
    logins: list[str] = field(default_factory=list)
    slow_seconds: float = 0.0  # answer each DATA this late (a slow or overloaded server)
    data_started: int = 0  # DATA commands received, answered or not
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        """Answer every waiting and future DATA at once."""
        self.released.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_started += 1
        until = time.monotonic() + self.slow_seconds
        while time.monotonic() < until and not self.released.is_set():
            await asyncio.sleep(0.05)
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return self.refusal
        self.received.append(
            (
                envelope.mail_from,
                list(envelope.rcpt_tos),
                bytes(envelope.original_content or envelope.content),
            )
        )
        self.received_at.append(time.time())
        return "250 OK"


@dataclass
class OAuthMailbox(Mailbox):
    """A mailbox whose server takes AUTH XOAUTH2, checking the bearer token with
    *token_user* (token -> the user it belongs to, or None)."""

    token_user: Callable[[str], str | None] = lambda _token: None

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        if len(args) < 2:
            return AuthResult(success=False, handled=False)
        fields = dict(
            part.split("=", 1)
            for part in base64.b64decode(args[1]).decode().split("\1")
            if "=" in part
        )
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        self.logins.append(user)
        if self.token_user(token) == user:
            return AuthResult(success=True)
        # Like Gmail: an error challenge first; the client answers with an empty line.
        await server.challenge_auth(json.dumps({"status": "401", "schemes": "bearer"}))
        return AuthResult(success=False, handled=False)


class _Authenticator:
    def __init__(self, user: str, password: str, box: Mailbox):
        self.user, self.password, self.box = user, password, box

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode()
            self.box.logins.append(user)
            if user == self.user and auth_data.password.decode() == self.password:
                return AuthResult(success=True)
        # handled=False lets aiosmtpd send the 535; True would leave the client hanging
        return AuthResult(success=False, handled=False)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    box: Mailbox


@contextmanager
def smtp_server(
    user: str | None = None,
    password: str | None = None,
    token_user: Callable[[str], str | None] | None = None,
) -> Iterator[SmtpServer]:
    """Run an SMTP server on a free loopback port (AUTH over plain text when *user* given;
    AUTH XOAUTH2 checked by *token_user* when that is given)."""
    box = Mailbox() if token_user is None else OAuthMailbox(token_user=token_user)
    port = free_port()
    kwargs: dict[str, Any] = {}
    if token_user is not None:
        kwargs = {
            "auth_require_tls": False,
            "auth_required": True,
            "auth_exclude_mechanism": ["LOGIN", "PLAIN"],
        }
    elif user is not None:
        kwargs = {
            "authenticator": _Authenticator(user, password or "", box),
            "auth_require_tls": False,
            "auth_required": True,
        }
    controller = Controller(box, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, box)
    finally:
        controller.stop()
