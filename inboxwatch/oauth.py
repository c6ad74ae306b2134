"""OAuth2 access tokens for IMAP and SMTP, and the sign-in behind ``inboxwatch auth login``.

A login secret (:data:`Secret`) is either a password (``str``) or a :class:`TokenSource`,
which hands out an access token and can be asked for a fresh one after the server refused
the last. Two token sources exist:

- :class:`CommandTokens` runs ``token_command`` (an external helper that prints a token);
- :class:`TokenStore` keeps a refresh token in a JSON file (mode 0600) and exchanges it at
  the token endpoint, before the access token expires and whenever asked to.

Sign-in (done once, interactively) gets the refresh token: :func:`device_login`
(RFC 8628 device code, Microsoft 365) or :func:`loopback_login` (the installed-app flow with
PKCE and a redirect to ``http://127.0.0.1:PORT/``, Google). Only the standard library talks
HTTP here. Tokens never reach a log or an error message.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import os
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Protocol

from inboxwatch.config import OAuthConfig
from inboxwatch.credentials import run_secret_command
from inboxwatch.errors import TokenError

logger = logging.getLogger(__name__)

# Refresh when the access token has less than this left (a sync or IDLE round fits in it).
REFRESH_MARGIN_SECONDS = 300
HTTP_TIMEOUT_SECONDS = 30
SIGN_IN_TIMEOUT_SECONDS = 600
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_file_locks: dict[Path, threading.Lock] = {}
_file_locks_guard = threading.Lock()


class TokenSource(Protocol):
    """Hands out OAuth2 access tokens for one login."""

    def access_token(self) -> str:
        """A token believed to be valid now (refreshed first when close to expiry)."""
        ...

    def refresh(self) -> str:
        """A new token, after the server refused the last one; TokenError if none can be had."""
        ...


Secret = str | TokenSource


@dataclass(frozen=True)
class Tokens:
    """What the token endpoint granted. The repr never shows a token."""

    access_token: str
    refresh_token: str
    expires_at: float  # seconds since the epoch

    def __repr__(self) -> str:
        return f"Tokens(expires_at={self.expires_at:.0f}, <redacted>)"


class CommandTokens:
    """Tokens printed by ``token_command``; the helper owns refreshing, so asking again is
    the refresh."""

    def __init__(self, what: str, command: str) -> None:
        self.what = what
        self.command = command

    def access_token(self) -> str:
        return run_secret_command(self.what, self.command, "token_command")

    def refresh(self) -> str:
        return self.access_token()


class TokenStore:
    """Access tokens from a refresh token kept in *oauth.token_file*."""

    def __init__(
        self, what: str, account: str, oauth: OAuthConfig, clock: Callable[[], float] = time.time
    ) -> None:
        assert oauth.token_file is not None and oauth.token_url is not None
        self.what = what
        self.account = account
        self.oauth = oauth
        self.path: Path = oauth.token_file
        self.clock = clock

    def __repr__(self) -> str:
        return f"TokenStore({self.what}, {self.path})"

    def access_token(self) -> str:
        with _lock_for(self.path):
            tokens = self._load()
            if tokens.expires_at - self.clock() > REFRESH_MARGIN_SECONDS:
                return tokens.access_token
            return self._refresh(tokens).access_token

    def refresh(self) -> str:
        with _lock_for(self.path):
            return self._refresh(self._load()).access_token

    def _load(self) -> Tokens:
        try:
            return load_tokens(self.path)
        except FileNotFoundError:
            raise TokenError(
                f"{self.what}: not signed in yet (no token file {self.path}); "
                f"run: inboxwatch auth login {self.account}"
            ) from None

    def _refresh(self, tokens: Tokens) -> Tokens:
        fields = {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "scope": " ".join(self.oauth.scopes),
        }
        answer = _post(self.what, str(self.oauth.token_url), _with_client(self.oauth, fields))
        # Microsoft answers interaction_required when a policy demands a new sign-in.
        if answer.get("error") in (
            "invalid_grant",
            "interaction_required",
            "unauthorized_client",
            "invalid_client",
        ):
            raise TokenError(
                f"{self.what}: the sign-in was revoked or has expired ({answer['error']}); "
                f"sign in again: inboxwatch auth login {self.account}"
            )
        fresh = tokens_from(self.what, answer, self.clock(), tokens.refresh_token)
        save_tokens(self.path, fresh)
        logger.info(
            "%s: access token refreshed, valid for %.0f s",
            self.what,
            fresh.expires_at - self.clock(),
        )
        return fresh


def token_source(what: str, account: str, oauth: OAuthConfig) -> TokenSource:
    """The token source *oauth* describes (its token_command, else its token store)."""
    if oauth.token_command:
        return CommandTokens(what, oauth.token_command)
    return TokenStore(what, account, oauth)


def _lock_for(path: Path) -> threading.Lock:
    # The poll job and the IDLE watcher share one file: one refresh at a time.
    with _file_locks_guard:
        return _file_locks.setdefault(path.resolve(), threading.Lock())


# --- the token file ---------------------------------------------------------------------


def load_tokens(path: Path) -> Tokens:
    """Read the token file; FileNotFoundError when there is none, TokenError when broken."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Tokens(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]),
            expires_at=float(data["expires_at"]),
        )
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TokenError(
            f"the token file {path} cannot be read ({type(exc).__name__}); "
            "delete it and sign in again with inboxwatch auth login"
        ) from None


def save_tokens(path: Path, tokens: Tokens) -> None:
    """Write the token file atomically, readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    data = json.dumps(
        {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at,
        }
    ).encode()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def tokens_from(
    what: str, answer: dict[str, Any], now: float, refresh_token: str | None = None
) -> Tokens:
    """Tokens from a token endpoint's JSON answer (the refresh token may be kept)."""
    if "error" in answer:
        raise TokenError(f"{what}: the token endpoint refused: {_error_text(answer)}")
    access = answer.get("access_token")
    refresh = answer.get("refresh_token") or refresh_token
    if not isinstance(access, str) or not access:
        raise TokenError(f"{what}: the token endpoint answered without an access token")
    if not isinstance(refresh, str) or not refresh:
        raise TokenError(
            f"{what}: the sign-in gave no refresh token; for Microsoft 365 the "
            "scopes must include offline_access"
        )
    expires_in = answer.get("expires_in", 3600)
    return Tokens(access, refresh, now + float(expires_in))


# --- HTTP -------------------------------------------------------------------------------


def _with_client(oauth: OAuthConfig, fields: dict[str, str]) -> dict[str, str]:
    fields = {**fields, "client_id": oauth.client_id or ""}
    if oauth.client_secret_env:
        secret = os.environ.get(oauth.client_secret_env)
        if not secret:
            raise TokenError(
                f"the environment variable {oauth.client_secret_env} (the OAuth "
                "client secret) is not set or empty"
            )
        fields["client_secret"] = secret
    return fields


def _post(what: str, url: str, fields: dict[str, str]) -> dict[str, Any]:
    """POST a form to an OAuth endpoint; its JSON answer, error answers (4xx) included."""
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(fields).encode(),
        method="POST",
        headers={"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()
        if exc.code >= 500 or not body:
            raise TokenError(
                f"{what}: the token endpoint {_host(url)} answered HTTP {exc.code}; will retry"
            ) from None
    except (OSError, ValueError) as exc:
        raise TokenError(
            f"{what}: cannot reach the token endpoint {_host(url)} ({exc}); will retry"
        ) from None
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise TokenError(f"{what}: the token endpoint {_host(url)} did not answer JSON")
    return answer


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url


def _error_text(answer: dict[str, Any]) -> str:
    description = str(answer.get("error_description", ""))[:200]
    return f"{answer.get('error')}" + (f": {description}" if description else "")


# --- sign-in ----------------------------------------------------------------------------


def sign_in(
    what: str,
    oauth: OAuthConfig,
    show: Callable[[str], None],
    open_browser: Callable[[str], object] | None = None,
) -> Tokens:
    """Sign in interactively (device code when configured, else the browser loopback flow)
    and save the tokens to the token file."""
    if oauth.token_command or oauth.token_file is None:
        raise TokenError(
            f"{what}: tokens come from token_command; there is nothing to sign "
            "in to (run the helper's own sign-in)"
        )
    if oauth.device_code_url:
        tokens = device_login(what, oauth, show)
    else:
        tokens = loopback_login(what, oauth, show, open_browser)
    save_tokens(oauth.token_file, tokens)
    return tokens


def device_login(
    what: str,
    oauth: OAuthConfig,
    show: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> Tokens:
    """RFC 8628: show the code and the address, then poll the token endpoint until the user
    has approved (or refused, or the code expired)."""
    start = _post(
        what, str(oauth.device_code_url), _with_client(oauth, {"scope": " ".join(oauth.scopes)})
    )
    if "error" in start or "device_code" not in start:
        raise TokenError(f"{what}: the device-code request was refused: {_error_text(start)}")
    show(
        str(
            start.get("message")
            or f"Open {start.get('verification_uri')} and enter the code {start.get('user_code')}"
        )
    )
    interval = float(start.get("interval", 5))
    deadline = time.monotonic() + float(start.get("expires_in", SIGN_IN_TIMEOUT_SECONDS))
    fields = {"grant_type": DEVICE_GRANT, "device_code": str(start["device_code"])}
    while time.monotonic() < deadline:
        sleep(interval)
        answer = _post(what, str(oauth.token_url), _with_client(oauth, fields))
        error = answer.get("error")
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += 5
            continue
        return tokens_from(what, answer, time.time())
    raise TokenError(f"{what}: the code was not entered in time; run auth login again")


def loopback_login(
    what: str,
    oauth: OAuthConfig,
    show: Callable[[str], None],
    open_browser: Callable[[str], object] | None = None,
    timeout: float = SIGN_IN_TIMEOUT_SECONDS,
) -> Tokens:
    """The installed-app flow: the browser signs in and is sent back to a one-shot server
    on 127.0.0.1 with a code, which is exchanged (with the PKCE verifier) for tokens."""
    verifier = secrets.token_urlsafe(64)
    state = secrets.token_urlsafe(16)
    server = HTTPServer(("127.0.0.1", 0), _RedirectHandler)
    server.timeout = 0.5
    redirect = f"http://127.0.0.1:{server.server_address[1]}/"
    url = _authorize_url(oauth, redirect, state, verifier)
    show(f"Open this address in a browser on this computer and sign in:\n{url}")
    if open_browser is not None:
        open_browser(url)
    try:
        query = _wait_for_redirect(server, timeout)
    finally:
        server.server_close()
    if query is None:
        raise TokenError(f"{what}: no sign-in arrived within {timeout:.0f} s; run auth login again")
    if query.get("state") != state:
        raise TokenError(f"{what}: the sign-in answer did not match this request; try again")
    if "code" not in query:
        raise TokenError(f"{what}: sign-in refused: {query.get('error', 'no code returned')}")
    fields = {
        "grant_type": "authorization_code",
        "code": query["code"],
        "redirect_uri": redirect,
        "code_verifier": verifier,
    }
    answer = _post(what, str(oauth.token_url), _with_client(oauth, fields))
    return tokens_from(what, answer, time.time())


def _authorize_url(oauth: OAuthConfig, redirect: str, state: str, verifier: str) -> str:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "client_id": oauth.client_id or "",
        "response_type": "code",
        "redirect_uri": redirect,
        "scope": " ".join(oauth.scopes),
        "state": state,
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
        # Google issues a refresh token only for offline access with consent.
        "access_type": "offline",
        "prompt": "consent",
    }
    return f"{oauth.authorize_url}?{urllib.parse.urlencode(params)}"


def _wait_for_redirect(server: HTTPServer, timeout: float) -> dict[str, str] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server.handle_request()
        query: dict[str, str] | None = getattr(server, "redirect_query", None)
        if query is not None:
            return query
    return None


class _RedirectHandler(BaseHTTPRequestHandler):
    """Takes the browser's redirect, keeps its query, and says the window can be closed."""

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        if parts.path != "/" or not ({"code", "error"} & query.keys()):
            self.send_error(404)
            return
        self.server.redirect_query = query  # type: ignore[attr-defined]
        text = "Signed in" if "code" in query else f"Sign-in failed: {query.get('error')}"
        page = f"<html><body><p>{html.escape(text)}. You can close this window.</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(page.encode())

    def log_message(self, format: str, *args: Any) -> None:  # the URL holds the code
        return
