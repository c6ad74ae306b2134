"""A real OAuth2 authorization server for tests, over HTTP on loopback.

It plays every part the providers play, with state the tests can change:

- ``POST /introspect`` (RFC 7662): Dovecot's ``oauth2`` passdb asks here whether an access
  token is valid and whose it is (the recipe in shared/testing/DOVECOT.md);
- ``POST /token``: the ``refresh_token``, ``authorization_code`` (with PKCE S256) and
  device-code grants, as Google and Microsoft answer them (``invalid_grant`` when revoked);
- ``GET /authorize``: the browser sign-in page, which approves at once and redirects to the
  loopback ``redirect_uri`` with a code (the test's "browser" follows it);
- ``POST /devicecode`` and ``GET /device/approve``: the device-code flow.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CLIENT_ID = "inboxwatch-test-client"


@dataclass
class Grant:
    user: str
    expires_at: float
    revoked: bool = False


@dataclass
class AuthState:
    """Everything the server knows; tests read and change it directly."""

    access: dict[str, Grant] = field(default_factory=dict)
    refresh: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    lifetime: float = 3600.0
    introspections: int = 0
    refreshes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, user: str, lifetime: float | None = None) -> tuple[str, str]:
        """A new access token and refresh token for *user*."""
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
        with self.lock:
            self.access[access] = Grant(user, time.time() + (lifetime or self.lifetime))
            self.refresh[refresh] = Grant(user, float("inf"))
        return access, refresh

    def expire_access_tokens(self, user: str) -> None:
        """The server now refuses every access token of *user* (as after its expiry)."""
        with self.lock:
            for grant in self.access.values():
                if grant.user == user:
                    grant.expires_at = 0.0

    def revoke_refresh_tokens(self, user: str) -> None:
        """The user signed out everywhere / the admin revoked the app's sessions."""
        with self.lock:
            for grant in self.refresh.values():
                if grant.user == user:
                    grant.revoked = True

    def active_user(self, token: str) -> str | None:
        with self.lock:
            self.introspections += 1
            grant = self.access.get(token)
        if grant is None or grant.revoked or grant.expires_at < time.time():
            return None
        return grant.user


class _Handler(BaseHTTPRequestHandler):
    server: OAuthServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length", 0))
        return dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        form, state = self._form(), self.server.state
        if self.path == "/introspect":
            user = state.active_user(form.get("token", ""))
            self._json(200, {"active": "true", "email": user} if user else {"active": "false"})
        elif self.path == "/token":
            self._json(*self.server.token(form))
        elif self.path == "/devicecode":
            self._json(*self.server.device_code(form))
        else:
            self._json(404, {"error": "not_found"})

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        if parts.path == "/authorize":
            self.server.authorize(self, query)
        elif parts.path == "/device/approve":
            self.server.approve_devices()
            self._json(200, {"approved": True})
        else:
            self._json(404, {"error": "not_found"})


class OAuthServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, user: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.user = user  # who signs in through /authorize and the device flow
        self.state = AuthState()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> OAuthServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    # --- grants --------------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != CLIENT_ID:
            return 401, {"error": "invalid_client"}
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            return self._refresh(form.get("refresh_token", ""))
        if grant_type == "authorization_code":
            return self._code(form)
        if grant_type == "urn:ietf:params:oauth:grant-type:device_code":
            return self._device(form.get("device_code", ""))
        return 400, {"error": "unsupported_grant_type"}

    def _answer(self, user: str) -> tuple[int, dict[str, Any]]:
        access, refresh = self.state.issue(user)
        return 200, {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": int(self.state.lifetime),
        }

    def _refresh(self, token: str) -> tuple[int, dict[str, Any]]:
        state = self.state
        with state.lock:
            grant = state.refresh.get(token)
            state.refreshes += 1
        if grant is None or grant.revoked:
            return 400, {
                "error": "invalid_grant",
                "error_description": "AADSTS70000: the refresh token was revoked",
            }
        access, _unused = state.issue(grant.user)
        # Like Google: the refresh token stays, only a new access token is sent.
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(state.lifetime),
        }

    def _code(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        request = self.state.codes.pop(form.get("code", ""), None)
        if request is None or request["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != request["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE check failed"}
        return self._answer(self.user)

    def authorize(self, handler: _Handler, query: dict[str, str]) -> None:
        if (
            query.get("client_id") != CLIENT_ID
            or query.get("code_challenge_method") != "S256"
            or not query.get("redirect_uri", "").startswith("http://127.0.0.1:")
        ):
            handler._json(400, {"error": "invalid_request"})
            return
        code = secrets.token_urlsafe(16)
        self.state.codes[code] = {
            "redirect_uri": query["redirect_uri"],
            "challenge": query.get("code_challenge", ""),
        }
        target = (
            query["redirect_uri"]
            + "?"
            + urllib.parse.urlencode({"code": code, "state": query.get("state", "")})
        )
        handler.send_response(302)
        handler.send_header("Location", target)
        handler.end_headers()

    def device_code(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != CLIENT_ID:
            return 400, {"error": "invalid_client"}
        device, user_code = secrets.token_urlsafe(16), "WDJB-MJHT"
        self.state.devices[device] = {"approved": False, "scope": form.get("scope", "")}
        return 200, {
            "device_code": device,
            "user_code": user_code,
            "verification_uri": f"{self.url}/device",
            "expires_in": 60,
            "interval": 1,
            "message": f"To sign in, open {self.url}/device and enter {user_code}.",
        }

    def approve_devices(self) -> None:
        for device in self.state.devices.values():
            device["approved"] = True

    def _device(self, device_code: str) -> tuple[int, dict[str, Any]]:
        device = self.state.devices.get(device_code)
        if device is None:
            return 400, {"error": "expired_token"}
        if not device["approved"]:
            return 400, {"error": "authorization_pending"}
        del self.state.devices[device_code]
        return self._answer(self.user)
