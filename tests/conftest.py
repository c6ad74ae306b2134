"""Shared fixtures: a real Dovecot, both databases, an ingest context. No mocks.

- ``dovecot`` / ``tls_dovecot``: a fresh mailbox (user) on a session-wide throwaway Dovecot
  (plain loopback IMAP, or with a self-signed certificate offering TLS and STARTTLS).
- ``quiet_dovecot``: a private Dovecot for wrong passwords (no auth penalty) whose mail_log
  records every change to any mailbox; tests add their own users to it.
- ``database_url``: parametrized over ``sqlite`` (a file in tmp_path) and ``postgresql``
  (a database created for this test session on 127.0.0.1:5432 and dropped at its end; its
  schema is wiped before every test). PostgreSQL must be running: the tests fail, never skip,
  when it is not. ``IW_TEST_POSTGRES`` overrides the admin URL.
- ``store``: ``Store.open(database_url)``; ``sqlite_store`` for tests where the database
  does not matter.
- ``ingest_ctx``: the pipeline context of a small config (me anna@assist.example, two clients).
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from inboxwatch.config import parse_config
from inboxwatch.storage.store import Store
from tests.dovecot import DovecotServer, MailUser
from tests.tools.servers import MAIL_LOG_CONF, NO_AUTH_PENALTY_CONF, start_with

if TYPE_CHECKING:
    from inboxwatch.ingest.pipeline import IngestContext

POSTGRES_ADMIN_URL = os.environ.get(
    "IW_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_users = itertools.count(1)


@pytest.fixture(autouse=True)
def _platform_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commands that fall back to the platform's config and data folders get throwaway
    ones, never the real ~/.config/inboxwatch or ~/.local/share/inboxwatch."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    monkeypatch.delenv("INBOXWATCH_CONFIG", raising=False)


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    server = DovecotServer.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_dovecot_server() -> Iterator[DovecotServer]:
    server = DovecotServer.start(tls=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def quiet_dovecot() -> Iterator[DovecotServer]:
    """A private Dovecot for wrong passwords (no auth penalty) whose mail_log plugin also
    records every change to any mailbox."""
    server = start_with(NO_AUTH_PENALTY_CONF + MAIL_LOG_CONF)
    yield server
    server.stop()


@pytest.fixture
def dovecot(dovecot_server: DovecotServer) -> MailUser:
    """A fresh, empty mailbox (INBOX and Sent) for this test."""
    return dovecot_server.add_user(f"user{next(_users)}", "secret")


@pytest.fixture
def tls_dovecot(tls_dovecot_server: DovecotServer) -> MailUser:
    return tls_dovecot_server.add_user(f"tlsuser{next(_users)}", "secret")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of our own for this test session; dropped at the end."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"iw_{secrets.token_hex(6)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as exc:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL at {POSTGRES_ADMIN_URL} is required for these tests "
            f"(start it, or set IW_TEST_POSTGRES): {exc}",
            pytrace=False,
        )
    yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _wipe_schema(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'inboxwatch.db'}"
    url: str = request.getfixturevalue("postgres_database")
    _wipe_schema(url)
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with Store.open(database_url) as opened:
        yield opened


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'inboxwatch.db'}") as opened:
        yield opened


TEST_CONFIG = {
    "me": {
        "addresses": ["anna@assist.example"],
        "timezone": "Europe/Budapest",
        "working_hours": "09:00-17:00",
        "working_days": "Mon-Fri",
    },
    "clients": [
        {
            "name": "Acme Kft.",
            "addresses": ["boss@acme.example", "@acme.example"],
            "monthly_revenue": 1200,
        },
        {"name": "Globex", "addresses": ["cfo@globex.example"], "monthly_revenue": 800},
    ],
}


@pytest.fixture
def ingest_ctx() -> IngestContext:
    from inboxwatch.ingest.pipeline import IngestContext  # imported late: parsing modules are heavy

    config = parse_config(TEST_CONFIG, "tests/conftest.py")
    return IngestContext.from_config(config, classifier=None)
