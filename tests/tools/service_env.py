"""Helpers for the tests that drive the real ``inboxwatch`` command line as a user would:
a config file pointing at the test Dovecot and SMTP server, the CLI as a subprocess, the
bundled sample mailbox, and a look at what the test SMTP server received.

``run_cli`` is the one way tests run the command line as a subprocess.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses
from functools import cache
from html import escape as html_escape
from pathlib import Path
from typing import Any

from tests.dovecot import MailUser
from tests.smtpserver import SmtpServer

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DIR = REPO / "data" / "sample"
PASSWORD_ENV = "IW_E2E_IMAP_PASSWORD"
ME = "anna@assist.example"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@cache
def _sample_module() -> Any:
    path = SAMPLE_DIR / "sample_mailbox.py"
    spec = importlib.util.spec_from_file_location("inboxwatch_sample_mailbox", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_messages() -> list[tuple[str, bytes]]:
    """The bundled sample mailbox: (folder "INBOX" or "Sent", raw bytes), by date."""
    return list(_sample_module().sample_messages())


def correspondents(raw: bytes) -> set[str]:
    """The domains of everyone on From/To/Cc of *raw* except the user."""
    message = message_from_bytes(raw, policy=policy.compat32)
    pairs = getaddresses([str(v) for k in ("From", "To", "Cc") for v in message.get_all(k, [])])
    return {addr.lower().rpartition("@")[2] for _, addr in pairs if addr and addr.lower() != ME}


def demo_clients() -> list[dict[str, Any]]:
    """The [[clients]] tables of data/sample/demo.toml."""
    data = tomllib.loads((SAMPLE_DIR / "demo.toml").read_text(encoding="utf-8"))
    return list(data["clients"])


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _table(name: str, values: Mapping[str, object]) -> str:
    lines = [name] + [f"{key} = {_toml_value(v)}" for key, v in values.items()]
    return "\n".join(lines) + "\n"


def write_config(
    path: Path,
    *,
    database_url: str,
    mailbox: MailUser,
    smtp: SmtpServer,
    polling: Mapping[str, object] | None = None,
    report: Mapping[str, object] | None = None,
    metrics: Mapping[str, object] | None = None,
    clients: Sequence[Mapping[str, object]] | None = None,
) -> Path:
    """An inboxwatch.toml for Anna (Europe/Budapest, the demo clients unless *clients* are
    given) with one IMAP account on the test Dovecot and the test SMTP server, both plain
    loopback ("none")."""
    parts = [
        _table("[database]", {"url": database_url}),
        _table(
            "[me]",
            {
                "name": "Kovács Anna",
                "addresses": [ME],
                "timezone": "Europe/Budapest",
                "working_hours": "09:00-17:00",
                "working_days": "Mon-Fri",
                "holidays": "HU",
            },
        ),
        _table(
            "[[accounts]]",
            {
                "name": "work",
                "host": "127.0.0.1",
                "port": mailbox.server.port,
                "security": "none",
                "username": mailbox.name,
                "password_env": PASSWORD_ENV,
                "folders": ["INBOX"],
                "sent_folder": "Sent",
                "timeout_seconds": 10,
            },
        ),
        *(_table("[[clients]]", client) for client in (clients or demo_clients())),
        _table("[polling]", dict(polling or {})),
        _table(
            "[report]", {"window_days": 30, "min_messages": 5, "recipients": [ME], **(report or {})}
        ),
        _table(
            "[smtp]",
            {
                "host": smtp.host,
                "port": smtp.port,
                "security": "none",
                "from": "inboxwatch <inboxwatch@assist.example>",
                "timeout_seconds": 10,
            },
        ),
    ]
    if metrics is not None:
        parts.append(_table("[metrics]", dict(metrics)))
    path.write_text("\n".join(parts), encoding="utf-8")
    path.chmod(0o600)
    return path


def small_config(path: Path, database_url: str, *tables: str) -> Path:
    """A minimal inboxwatch.toml (mode 600): Anna, clients "Acme Kft." and "Globex", the
    database at *database_url*, then *tables* (TOML text) as given."""
    path.write_text(
        f'[database]\nurl = "{database_url}"\n'
        '[me]\naddresses = ["anna@assist.example"]\ntimezone = "Europe/Budapest"\n'
        '[[clients]]\nname = "Acme Kft."\naddresses = ["@acme.example"]\n'
        '[[clients]]\nname = "Globex"\naddresses = ["@globex.example"]\n' + "".join(tables),
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def cli_env(mailbox: MailUser) -> dict[str, str]:
    """The environment for the CLI: the IMAP password in its variable, nothing else odd."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBOXWATCH_")}
    env[PASSWORD_ENV] = mailbox.password
    env["PYTHONPATH"] = str(REPO)
    return env


def cli_command(config: Path | None, *args: str) -> list[str]:
    """The ``inboxwatch`` command line (``--config`` first when *config* is given)."""
    options = ["--config", str(config)] if config is not None else []
    return [sys.executable, "-m", "inboxwatch", *options, *args]


def run_cli(
    config: Path | None,
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    """Run one ``inboxwatch`` command as a user would (a subprocess of the console entry,
    from the repository root) to completion; never raises on a non-zero exit. Without
    *env*, the test's own environment minus any ``INBOXWATCH_`` variable."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INBOXWATCH_")}
    return subprocess.run(
        cli_command(config, *args),
        capture_output=True,
        text=True,
        encoding="utf-8",
        input=stdin,
        timeout=timeout,
        check=False,
        cwd=REPO,
        env={**env, "PYTHONIOENCODING": "utf-8"},
    )


def received_messages(smtp: SmtpServer) -> list[EmailMessage]:
    """Every mail the test SMTP server accepted, parsed."""
    parsed = []
    for _sender, _rcpts, raw in smtp.box.received:
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        parsed.append(message)
    return parsed


def assert_alert_mail(message: EmailMessage, min_charts: int, mentions: Sequence[str] = ()) -> None:
    """The alert is multipart/alternative: a text part, and an HTML part whose inline PNG
    charts (at least *min_charts*) are referenced by cid:; both name every client in
    *mentions*."""
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    types = [p.get_content_type() for p in parts]
    assert types[0] == "text/plain", types
    text = parts[0].get_content()
    last = parts[-1]
    # with charts, the HTML travels in a multipart/related beside them; without, on its own
    inner = list(last.iter_parts()) if last.is_multipart() else [last]
    if min_charts:
        assert last.get_content_type() == "multipart/related", types
    html = inner[0]
    assert html.get_content_type() == "text/html", types
    page = html.get_content()
    for name in mentions:
        assert name in text, f"{name} missing from the text part"
        assert html_escape(name) in page, f"{name} missing from the HTML part"
    images = [p for p in inner[1:] if p.get_content_type() == "image/png"]
    assert len(images) >= min_charts
    for image in images:
        data = image.get_content()
        assert isinstance(data, bytes) and data.startswith(PNG_SIGNATURE)
        cid = str(image["Content-ID"]).strip("<>")
        assert f'src="cid:{cid}"' in page, f"chart {cid} is not referenced by the HTML part"
        assert image.get_content_disposition() == "inline"
    assert "http://" not in page and "https://" not in page  # nothing external to fetch
