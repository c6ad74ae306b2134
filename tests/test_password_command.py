"""``password_command`` is read until the command exits, not until its pipe closes
(issue #12, item 13): a command whose child keeps stdout open (an agent it starts in the
background) used to wait the full timeout and then be called a failure."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from inboxwatch import credentials
from inboxwatch.errors import CredentialError


@pytest.fixture
def background_pid(tmp_path: Path) -> Iterator[Path]:
    """A file where the test's command writes the pid of the child it leaves running; that
    child (our own) is killed afterwards."""
    path = tmp_path / "child.pid"
    yield path
    if path.exists():
        with suppress(ProcessLookupError, ValueError):
            os.kill(int(path.read_text()), signal.SIGKILL)


def test_a_child_holding_stdout_open_does_not_delay_the_password(
    tmp_path: Path, background_pid: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(credentials, "COMMAND_TIMEOUT_SECONDS", 5)
    script = tmp_path / "agent.sh"
    script.write_text(
        f"#!/bin/sh\necho 'jelszó-1'\nsleep 30 &\necho $! > {background_pid}\nexit 0\n"
    )
    script.chmod(0o700)
    started = time.monotonic()
    password = credentials.resolve_password("account 'w'", None, str(script))
    elapsed = time.monotonic() - started
    assert password == "jelszó-1"
    assert elapsed < 2, f"took {elapsed:.1f} s"
    assert background_pid.exists()
    os.kill(int(background_pid.read_text()), 0)  # the child really was still running


def test_the_command_s_own_exit_status_and_output_still_count(
    tmp_path: Path, background_pid: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(credentials, "COMMAND_TIMEOUT_SECONDS", 5)
    script = tmp_path / "fails.sh"
    script.write_text(
        f"#!/bin/sh\necho 'not-shown-7731'\nsleep 30 &\necho $! > {background_pid}\nexit 4\n"
    )
    script.chmod(0o700)
    started = time.monotonic()
    with pytest.raises(CredentialError) as caught:
        credentials.resolve_password("account 'w'", None, str(script))
    assert "exit status 4" in str(caught.value) and "7731" not in str(caught.value)
    assert time.monotonic() - started < 2
    big = tmp_path / "big.sh"  # more than a pipe buffer before exiting: no deadlock
    big.write_text("#!/bin/sh\necho 'first-line'\nhead -c 300000 /dev/zero | tr '\\0' x\n")
    big.chmod(0o700)
    assert credentials.resolve_password("account 'w'", None, str(big)) == "first-line"
    with pytest.raises(CredentialError, match="not UTF-8") as bad:
        credentials.resolve_password("account 'w'", None, "printf 'pw\\377\\n'")
    assert bad.value.__cause__ is None and bad.value.__context__ is None
