"""Obtain passwords from an environment variable or a command — never from the config text.

OAuth2 tokens are obtained in :mod:`inboxwatch.oauth`."""

from __future__ import annotations

import os
import shlex
import subprocess

from inboxwatch.errors import CredentialError

COMMAND_TIMEOUT_SECONDS = 30


def resolve_password(what: str, env: str | None, command: str | None) -> str:
    """Return the password for *what* (e.g. "account 'work'") from *env* or *command*.

    The command's output is never included in an error message, only its exit status.
    """
    if env:
        return _from_env(what, env)
    if command:
        return run_secret_command(what, command, "password_command")
    raise CredentialError(f"{what}: no password source; set password_env or password_command")


def _from_env(what: str, name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise CredentialError(f"{what}: the environment variable {name} is not set or empty; "
                              f"export {name}=... before starting inboxwatch")
    return value


def run_secret_command(what: str, command: str, key: str) -> str:
    """The first line *command* prints (a password, or a token for ``token_command``).

    *key* names the setting in error messages; the output itself never appears in one."""
    try:
        result = subprocess.run(shlex.split(command), capture_output=True, text=True,
                                timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    except (OSError, ValueError) as exc:
        raise CredentialError(f"{what}: {key} could not be run: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise CredentialError(f"{what}: {key} did not finish within "
                              f"{COMMAND_TIMEOUT_SECONDS} s") from exc
    if result.returncode != 0:
        raise CredentialError(f"{what}: {key} failed with exit status "
                              f"{result.returncode}")
    password = result.stdout.splitlines()[0] if result.stdout else ""
    if not password:
        raise CredentialError(f"{what}: {key} printed nothing")
    return password
