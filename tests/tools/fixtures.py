"""Fixtures shared by the reliability and security tests.

Import the fixture function into a test module (``from tests.tools.fixtures import
quiet_dovecot_fixture``); tests then ask for ``quiet_dovecot``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dovecot import DovecotServer
from tests.tools.servers import MAIL_LOG_CONF, NO_AUTH_PENALTY_CONF, start_with


@pytest.fixture(scope="session", name="quiet_dovecot")
def quiet_dovecot_fixture() -> Iterator[DovecotServer]:
    """A private Dovecot for wrong passwords (no auth penalty) whose mail_log plugin also
    records every change to any mailbox."""
    server = start_with(NO_AUTH_PENALTY_CONF + MAIL_LOG_CONF)
    yield server
    server.stop()
