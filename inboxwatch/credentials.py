"""Obtain passwords from an environment variable, a file or a command — never from the config
text.

A ``password_file`` may name ``$CREDENTIALS_DIRECTORY`` (systemd's ``LoadCredential=``) or any
other environment variable; it is expanded when the password is read, not when the config is
loaded, so ``check-config`` outside the unit says plainly that the variable is not set.

OAuth2 tokens are obtained in :mod:`inboxwatch.oauth`; its ``token_command`` is run by
:func:`run_secret_command`, the same reader as ``password_command``.
"""

from __future__ import annotations

import os
import select
import shlex
import subprocess
import time
from pathlib import Path

from inboxwatch.errors import CredentialError

COMMAND_TIMEOUT_SECONDS = 30
_POLL_SECONDS = 0.05
_MAX_OUTPUT_BYTES = 1 << 20  # a password is the first line; more is not kept


def resolve_password(
    what: str, env: str | None, command: str | None, file: str | None = None
) -> str:
    """Return the password for *what* (e.g. "account 'work'") from *env*, *file* or *command*.

    Neither the command's output nor the file's content is ever included in an error
    message; only the exit status, or the file's path.
    """
    if env:
        return _from_env(what, env)
    if file:
        return _from_file(what, file)
    if command:
        return run_secret_command(what, command, "password_command")
    raise CredentialError(
        f"{what}: no password source; set password_env, password_file or password_command"
    )


def _from_env(what: str, name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise CredentialError(
            f"{what}: the environment variable {name} is not set or empty; "
            f"export {name}=... before starting inboxwatch"
        )
    return value


def _from_file(what: str, name: str) -> str:
    """The first line of the file *name* (environment variables and ~ expanded)."""
    path = Path(os.path.expandvars(name)).expanduser()
    if "$" in str(path):
        raise CredentialError(
            f"{what}: password_file {name}: an environment variable in it "
            "is not set (CREDENTIALS_DIRECTORY is set only inside a systemd "
            "unit with LoadCredential=); start it from the unit, or use a "
            "plain path"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CredentialError(
            f"{what}: password_file {path}: no such file; create it "
            f"(mode 600) with the password on its first line"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialError(
            f"{what}: password_file {path}: cannot read it "
            f"({type(exc).__name__}); check its owner and mode"
        ) from exc
    password = text.splitlines()[0] if text else ""
    if not password:
        raise CredentialError(
            f"{what}: password_file {path} is empty; put the password on its first line"
        )
    return password


def run_secret_command(what: str, command: str, key: str) -> str:
    """The first line *command* prints (a password, or a token for ``token_command``).

    The output is read until the command exits (see :func:`_run_command`). *key* names the
    setting in error messages; the output itself never appears in one."""
    try:
        status, output = _run_command(shlex.split(command))
    except (OSError, ValueError) as exc:
        raise CredentialError(f"{what}: {key} could not be run: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise CredentialError(
            f"{what}: {key} did not finish within {COMMAND_TIMEOUT_SECONDS} s"
        ) from exc
    if status != 0:
        raise CredentialError(f"{what}: {key} failed with exit status {status}")
    text = _utf8(output)
    if text is None:  # raised outside the except block: the error would quote the bytes
        raise CredentialError(f"{what}: {key} printed bytes that are not UTF-8")
    password = text.splitlines()[0] if text else ""
    if not password:
        raise CredentialError(f"{what}: {key} printed nothing")
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
