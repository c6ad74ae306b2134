"""Obtain passwords from an environment variable, a file or a command — never from the config
text.

A ``password_file`` may name ``$CREDENTIALS_DIRECTORY`` (systemd's ``LoadCredential=``) or any
other environment variable; it is expanded when the password is read, not when the config is
loaded, so ``check-config`` outside the unit says plainly that the variable is not set.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from inboxwatch.errors import CredentialError

COMMAND_TIMEOUT_SECONDS = 30


def resolve_password(what: str, env: str | None, command: str | None,
                     file: str | None = None) -> str:
    """Return the password for *what* (e.g. "account 'work'") from *env*, *file* or *command*.

    Neither the command's output nor the file's content is ever included in an error
    message; only the exit status, or the file's path.
    """
    if env:
        return _from_env(what, env)
    if file:
        return _from_file(what, file)
    if command:
        return _from_command(what, command)
    raise CredentialError(f"{what}: no password source; set password_env, password_file or "
                          "password_command")


def _from_env(what: str, name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise CredentialError(f"{what}: the environment variable {name} is not set or empty; "
                              f"export {name}=... before starting inboxwatch")
    return value


def _from_file(what: str, name: str) -> str:
    """The first line of the file *name* (environment variables and ~ expanded)."""
    path = Path(os.path.expandvars(name)).expanduser()
    if "$" in str(path):
        raise CredentialError(f"{what}: password_file {name}: an environment variable in it "
                              "is not set (CREDENTIALS_DIRECTORY is set only inside a systemd "
                              "unit with LoadCredential=); start it from the unit, or use a "
                              "plain path")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CredentialError(f"{what}: password_file {path}: no such file; create it "
                              f"(mode 600) with the password on its first line") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialError(f"{what}: password_file {path}: cannot read it "
                              f"({type(exc).__name__}); check its owner and mode") from exc
    password = text.splitlines()[0] if text else ""
    if not password:
        raise CredentialError(f"{what}: password_file {path} is empty; put the password on "
                              "its first line")
    return password


def _from_command(what: str, command: str) -> str:
    try:
        result = subprocess.run(shlex.split(command), capture_output=True, text=True,
                                timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    except (OSError, ValueError) as exc:
        raise CredentialError(f"{what}: password_command could not be run: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise CredentialError(f"{what}: password_command did not finish within "
                              f"{COMMAND_TIMEOUT_SECONDS} s") from exc
    if result.returncode != 0:
        raise CredentialError(f"{what}: password_command failed with exit status "
                              f"{result.returncode}")
    password = result.stdout.splitlines()[0] if result.stdout else ""
    if not password:
        raise CredentialError(f"{what}: password_command printed nothing")
    return password
