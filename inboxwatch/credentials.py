"""Obtain passwords from an environment variable or a command — never from the config text."""

from __future__ import annotations

import os
import select
import shlex
import subprocess
import time

from inboxwatch.errors import CredentialError

COMMAND_TIMEOUT_SECONDS = 30
_POLL_SECONDS = 0.05
_MAX_OUTPUT_BYTES = 1 << 20  # a password is the first line; more is not kept


def resolve_password(what: str, env: str | None, command: str | None) -> str:
    """Return the password for *what* (e.g. "account 'work'") from *env* or *command*.

    The command's output is never included in an error message, only its exit status.
    """
    if env:
        return _from_env(what, env)
    if command:
        return _from_command(what, command)
    raise CredentialError(f"{what}: no password source; set password_env or password_command")


def _from_env(what: str, name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise CredentialError(f"{what}: the environment variable {name} is not set or empty; "
                              f"export {name}=... before starting inboxwatch")
    return value


def _from_command(what: str, command: str) -> str:
    try:
        status, output = _run_command(shlex.split(command))
    except (OSError, ValueError) as exc:
        raise CredentialError(f"{what}: password_command could not be run: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise CredentialError(f"{what}: password_command did not finish within "
                              f"{COMMAND_TIMEOUT_SECONDS} s") from exc
    if status != 0:
        raise CredentialError(f"{what}: password_command failed with exit status {status}")
    text = _utf8(output)
    if text is None:  # raised outside the except block: the error would quote the bytes
        raise CredentialError(f"{what}: password_command printed bytes that are not UTF-8")
    password = text.splitlines()[0] if text else ""
    if not password:
        raise CredentialError(f"{what}: password_command printed nothing")
    return password


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _run_command(argv: list[str]) -> tuple[int, bytes]:
    """Run *argv*; return its exit status and what it printed before it exited.

    Reading stops when the command itself exits, not at end of file: a child it started
    (a gpg-agent, say) may keep the pipe open for hours. Stderr is discarded unread, so
    it cannot be shown. Raises ``subprocess.TimeoutExpired`` (after killing the command)
    if it runs longer than ``COMMAND_TIMEOUT_SECONDS``."""
    deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        os.set_blocking(fd, False)
        chunks: list[bytes] = []
        open_pipe = True
        while proc.poll() is None:
            if time.monotonic() >= deadline:
                proc.kill()
                raise subprocess.TimeoutExpired(argv, COMMAND_TIMEOUT_SECONDS)
            if open_pipe:
                select.select([fd], [], [], _POLL_SECONDS)
                open_pipe = _read_available(fd, chunks)
            else:
                time.sleep(_POLL_SECONDS)
        _read_available(fd, chunks)  # what it wrote just before exiting
        return proc.returncode, b"".join(chunks)


def _read_available(fd: int, chunks: list[bytes]) -> bool:
    """Append what can be read from *fd* now (up to ``_MAX_OUTPUT_BYTES`` in all); False
    once the pipe is closed or the limit is reached."""
    while sum(map(len, chunks)) < _MAX_OUTPUT_BYTES:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        chunks.append(chunk)
    return False
