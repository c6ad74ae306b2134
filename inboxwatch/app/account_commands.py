"""The commands about one mail account: ``auth login`` (OAuth2 sign-in, saving the refresh
token) and ``folders`` (what the server holds, with the special-use flags)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from inboxwatch.config import AccountConfig, Config
from inboxwatch.errors import ConfigError


def find_account(config: Config, name: str) -> AccountConfig:
    """The configured account called *name* (ConfigError listing the names otherwise)."""
    for account in config.accounts:
        if account.name == name:
            return account
    names = ", ".join(a.name for a in config.accounts) or "none configured"
    raise ConfigError(f"{config.path}: no account named {name!r} (accounts: {names})")


def login_state(account: AccountConfig) -> str:
    """How the account logs in, checked without printing a secret; CredentialError when
    its password or token cannot be had."""
    from inboxwatch.credentials import resolve_password
    from inboxwatch.errors import TokenError
    from inboxwatch.oauth import load_tokens

    what = f"account {account.name!r}"
    oauth = account.oauth
    if account.auth != "oauth2" or oauth is None:
        resolve_password(
            what, account.password_env, account.password_command, account.password_file
        )
        return "password available"
    if oauth.token_command:
        return "OAuth2, token from token_command"
    assert oauth.token_file is not None
    try:
        load_tokens(oauth.token_file)
    except FileNotFoundError:
        raise TokenError(
            f"{what}: not signed in yet; run: inboxwatch auth login {account.name}"
        ) from None
    return f"OAuth2, signed in (token file {oauth.token_file})"


def auth_login_command(
    config: Config, name: str, out: TextIO, open_browser: Callable[[str], object] | None = None
) -> int:
    """Sign *name* in interactively and save its refresh token (0600)."""
    from inboxwatch.oauth import sign_in

    account = find_account(config, name)
    if account.auth != "oauth2" or account.oauth is None:
        raise ConfigError(
            f"{config.path}: account {name!r} logs in with a password; set "
            'auth = "oauth2" and its oauth table first (see the README)'
        )

    def show(text: str) -> None:
        print(text, file=out, flush=True)

    sign_in(f"account {name!r}", account.oauth, show, open_browser)
    print(
        f"signed in; the refresh token is in {account.oauth.token_file} (mode 0600). "
        f"Next: inboxwatch folders {name}",
        file=out,
    )
    return 0


def folders_command(config: Config, name: str, out: TextIO) -> int:
    """List the account's folders with their special-use flags (RFC 6154), marking the Sent
    folder the sync uses."""
    from inboxwatch.ingest.sync import account_password
    from inboxwatch.sources.imap import ImapSession

    account = find_account(config, name)
    with ImapSession(account, account_password(account)) as session:
        entries = session.list_folders()
        sent = account.sent_folder or session.find_sent_folder()
    width = max((len(e.name) for e in entries), default=0)
    for entry in entries:
        flags = " ".join(entry.special_use)
        mark = "   <- Sent folder used" if entry.name == sent else ""
        print(f"{entry.name:<{width}}  {flags}{mark}", file=out)
    if sent is None:
        print("no folder is flagged \\Sent: set sent_folder in the account", file=out)
    return 0
