"""Load and validate the TOML configuration, in one place.

``load_config(path)`` returns a frozen :class:`Config` or raises :class:`ConfigError` whose
message names the file, the key and what was expected. Nothing here touches the network or
the database; passwords are *not* read here (see :mod:`inboxwatch.credentials`).
"""

from __future__ import annotations

import difflib
import importlib.resources
import logging
import os
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inboxwatch.errors import ConfigError
from inboxwatch.hours import WorkingTime, parse_days, parse_hours
from inboxwatch.text import scrub_controls

logger = logging.getLogger(__name__)

ENV_CONFIG = "INBOXWATCH_CONFIG"
APP_NAME = "inboxwatch"
DEFAULT_DATABASE = "sqlite:///inboxwatch.db"  # relative: in data_dir()
Security = Literal["tls", "starttls", "none"]
_SECURITY = ("tls", "starttls", "none")
Auth = Literal["password", "oauth2"]
Mechanism = Literal["xoauth2", "oauthbearer"]
_LOOPBACK = ("127.0.0.1", "::1", "localhost")

T = TypeVar("T")


@dataclass(frozen=True)
class MeConfig:
    """Who the user is and when they work."""

    name: str
    addresses: tuple[str, ...]
    working_time: WorkingTime


@dataclass(frozen=True)
class OAuthConfig:
    """Where OAuth2 access tokens for one login come from (see :mod:`inboxwatch.oauth`).

    Either *token_command* (an external helper prints a token), or inboxwatch's own token
    store: a refresh token in *token_file*, obtained once with ``inboxwatch auth login`` and
    exchanged at *token_url*. *device_code_url* selects the device-code sign-in, otherwise
    *authorize_url* the installed-app loopback sign-in."""

    token_command: str | None = None
    client_id: str | None = None
    client_secret_env: str | None = None
    token_file: Path | None = None
    token_url: str | None = None
    authorize_url: str | None = None
    device_code_url: str | None = None
    scopes: tuple[str, ...] = ()
    mechanism: Mechanism = "xoauth2"


@dataclass(frozen=True)
class Provider:
    """The well-known settings of a mail provider, filled in by ``provider = "..."``."""

    imap_host: str
    smtp_host: str
    smtp_security: Security
    token_url: str
    authorize_url: str | None
    device_code_url: str | None
    scopes: tuple[str, ...]


_MS_LOGIN = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
PROVIDERS = {
    "gmail": Provider(
        imap_host="imap.gmail.com",
        smtp_host="smtp.gmail.com",
        smtp_security="tls",
        token_url="https://oauth2.googleapis.com/token",
        authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
        device_code_url=None,
        scopes=("https://mail.google.com/",),
    ),
    "microsoft365": Provider(
        imap_host="outlook.office365.com",
        smtp_host="smtp.office365.com",
        smtp_security="starttls",
        token_url=_MS_LOGIN + "/token",
        authorize_url=None,
        device_code_url=_MS_LOGIN + "/devicecode",
        scopes=(
            "https://outlook.office.com/IMAP.AccessAsUser.All",
            "https://outlook.office.com/SMTP.Send",
            "offline_access",
        ),
    ),
}


@dataclass(frozen=True)
class AccountConfig:
    """One IMAP account to poll."""

    name: str
    host: str
    port: int
    security: Security
    username: str
    password_env: str | None
    password_command: str | None
    folders: tuple[str, ...]
    sent_folder: str | None
    ca_file: str | None = None
    allow_write: bool = False
    password_file: str | None = None
    batch_messages: int = 200
    batch_bytes: int = 20_000_000
    timeout_seconds: float = 60.0
    auth: Auth = "password"
    oauth: OAuthConfig | None = None
    # True when sent_folder is not set: the Sent folder is found by its \Sent flag (RFC 6154).
    find_sent: bool = False


@dataclass(frozen=True)
class ClientConfig:
    """A client: who they are, how to recognise their mail, what they are worth."""

    name: str
    addresses: tuple[str, ...]
    monthly_revenue: float = 0.0
    currency: str = "EUR"
    working_time: WorkingTime | None = None
    # Days from an invoice to its due date (the late_payment sign).
    payment_terms_days: int = 8


@dataclass(frozen=True)
class PollingConfig:
    interval_minutes: float = 5.0
    idle: bool = True


@dataclass(frozen=True)
class ReportConfig:
    time: time = time(7, 30)
    window_days: int = 30
    send_when_unchanged: bool = False
    recipients: tuple[str, ...] = ()
    thresholds: Mapping[str, float] = field(default_factory=dict)
    min_messages: int = 5


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: Security
    username: str | None
    password_env: str | None
    password_command: str | None
    from_addr: str
    ca_file: str | None = None
    timeout_seconds: float = 30.0
    password_file: str | None = None
    auth: Auth = "password"
    oauth: OAuthConfig | None = None
    oauth_account: str | None = None  # whose token store SMTP shares


@dataclass(frozen=True)
class SuggestionsConfig:
    enabled: bool = False
    write_keywords: bool = False


@dataclass(frozen=True)
class WaitingConfig:
    """The "waiting on" lists: a question of yours is listed after this many of the
    client's working hours without an answer; both lists look back *days* days."""

    after_working_hours: float = 16.0
    days: int = 14


@dataclass(frozen=True)
class HealthConfig:
    """When `health` calls an account failing: no successful sync for this long (None:
    three poll intervals and five minutes)."""

    max_sync_age_minutes: float | None = None


@dataclass(frozen=True)
class MetricsConfig:
    """Where `run` serves Prometheus metrics (None: not served)."""

    listen_host: str | None = None
    listen_port: int = 9108


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    path: Path | None
    database_url: str
    me: MeConfig
    accounts: tuple[AccountConfig, ...] = ()
    clients: tuple[ClientConfig, ...] = ()
    polling: PollingConfig = PollingConfig()
    report: ReportConfig = ReportConfig()
    smtp: SmtpConfig | None = None
    suggestions: SuggestionsConfig = SuggestionsConfig()
    health: HealthConfig = HealthConfig()
    waiting: WaitingConfig = WaitingConfig()
    metrics: MetricsConfig = MetricsConfig()
    retention_days: int | None = None
    models_dir: Path = field(default_factory=lambda: default_models_dir())
    warnings: tuple[str, ...] = ()


def project_home() -> Path:
    """Where the bundled ``models/``, ``data/`` and ``config.example.toml`` live.

    $INBOXWATCH_HOME when set; else the installed package's ``bundled`` folder (the wheel
    carries them there, see setup.py); else the source checkout (an editable install).
    """
    home = os.environ.get("INBOXWATCH_HOME")
    if home:
        return Path(home)
    bundled = importlib.resources.files("inboxwatch") / "bundled"
    if isinstance(bundled, Path) and bundled.is_dir():  # pip installs unpacked, never zipped
        return bundled
    return Path(__file__).resolve().parent.parent


def default_models_dir() -> Path:
    return project_home() / "models"


def default_config_path() -> Path:
    """The platform's place for the config: ~/.config/inboxwatch/inboxwatch.toml on Linux."""
    import platformdirs

    return platformdirs.user_config_path(APP_NAME) / "inboxwatch.toml"


def data_dir() -> Path:
    """Where the SQLite database goes: $STATE_DIRECTORY (set by systemd's StateDirectory=),
    else the platform's user data dir (~/.local/share/inboxwatch on Linux). Not created here.
    """
    state = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    if state:
        return Path(state)
    import platformdirs

    return platformdirs.user_data_path(APP_NAME)


class _Section:
    """A TOML table being validated: tracks the key path for error messages."""

    def __init__(self, where: str, data: Mapping[str, Any], path: str, warnings: list[str]):
        self.where = where
        self.data = data
        self.path = path
        self.warnings = warnings

    def fail(self, key: str, expected: str) -> ConfigError:
        value = self.data.get(key, "<missing>")
        return ConfigError(f"{self.where}: {self._key(key)}: expected {expected}, got {value!r}")

    def _key(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ConfigError(f"{self.where}: {self._key(key)}: unknown key{hint}")

    def get(
        self,
        key: str,
        kind: type[T],
        default: T | None = None,
        required: bool = False,
        check: Callable[[T], bool] | None = None,
        expected: str = "",
    ) -> T | None:
        if key not in self.data:
            if required:
                raise ConfigError(f"{self.where}: {self._key(key)}: required key is missing")
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, expected or kind.__name__)
        if check is not None and not check(value):
            raise self.fail(key, expected)
        return value

    def text(self, key: str, default: str | None = None, required: bool = False) -> str | None:
        return self.get(
            key, str, default, required, lambda s: bool(s.strip()), "a non-empty string"
        )

    def strings(self, key: str, required: bool = False) -> tuple[str, ...]:
        value = self.get(
            key,
            list,
            [],
            required,
            lambda v: all(isinstance(s, str) and s.strip() for s in v),
            "a list of non-empty strings",
        )
        return tuple(s.strip() for s in value or [])

    def table(self, key: str) -> _Section:
        value = self.get(key, dict, {}, expected="a table")
        return _Section(self.where, value or {}, self._key(key), self.warnings)

    def tables(self, key: str) -> list[_Section]:
        value = self.get(key, list, [], expected="an array of tables ([[...]])") or []
        sections = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise ConfigError(f"{self.where}: {self._key(key)}[{i}]: expected a table")
            sections.append(_Section(self.where, item, f"{self._key(key)}[{i}]", self.warnings))
        return sections

    def convert(self, key: str, func: Callable[[str], T], default: str) -> T:
        raw = self.text(key, default)
        assert raw is not None
        try:
            return func(raw)
        except (ValueError, ZoneInfoNotFoundError) as exc:
            raise ConfigError(f"{self.where}: {self._key(key)}: {exc}") from exc


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like 'Europe/Budapest')"
        ) from exc


def _clock(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"expected a time like '07:30', got {text!r}") from exc


def _working_time(
    sec: _Section, tz: ZoneInfo, holidays: str | None, hours_default: str, days_default: str
) -> WorkingTime:
    start, end = sec.convert("working_hours", parse_hours, hours_default)
    days = sec.convert("working_days", parse_days, days_default)
    return WorkingTime(tz=tz, start=start, end=end, days=days, holidays_country=holidays)


def _me(sec: _Section) -> MeConfig:
    sec.check_keys(("name", "addresses", "timezone", "working_hours", "working_days", "holidays"))
    tz = sec.convert("timezone", _zone, "UTC")
    holidays = sec.text("holidays")
    if holidays is not None:
        holidays = _holiday_country(sec, holidays)
    addresses = tuple(a.lower() for a in sec.strings("addresses", required=True))
    wt = _working_time(sec, tz, holidays, "09:00-17:00", "Mon-Fri")
    return MeConfig(name=sec.text("name", "") or "", addresses=addresses, working_time=wt)


def _holiday_country(sec: _Section, code: str) -> str:
    import holidays as holidays_lib

    if code.upper() not in holidays_lib.list_supported_countries():
        raise sec.fail("holidays", "a country code the 'holidays' package knows, like 'HU'")
    return code.upper()


def _security(sec: _Section, host: str, default: Security) -> Security:
    value = sec.text("security", default)
    if value not in _SECURITY:
        raise sec.fail("security", "one of 'tls', 'starttls', 'none'")
    if value == "none" and host not in _LOOPBACK:
        raise ConfigError(
            f"{sec.where}: {sec.path}.security: 'none' sends your password "
            f"in clear text and is allowed only for a loopback host, not {host!r}"
            "; use 'tls' or 'starttls'"
        )
    return value  # type: ignore[return-value]


def _password_source(sec: _Section) -> tuple[str | None, str | None, str | None]:
    """(password_env, password_command, password_file): at most one of them is set."""
    if "password" in sec.data:
        sec.warnings.append(
            f"{sec.where}: {sec.path}.password: a literal password in the config file is "
            "ignored; set password_env (an environment variable), password_file or "
            "password_command"
        )
    env = sec.text("password_env")
    command = sec.text("password_command")
    file = sec.text("password_file")
    chosen = [
        key
        for key, value in (
            ("password_env", env),
            ("password_command", command),
            ("password_file", file),
        )
        if value
    ]
    if len(chosen) > 1:
        raise ConfigError(f"{sec.where}: {sec.path}: set only one of {' and '.join(chosen)}")
    return env, command, file


# How an account or [smtp] logs in: one source of the password, or OAuth2's token command.
_LOGIN_KEYS = (
    "auth",
    "password_env",
    "password_command",
    "password_file",
    "password",
    "token_command",
)
_ACCOUNT_KEYS = (
    "name",
    "provider",
    "host",
    "port",
    "security",
    "username",
    *_LOGIN_KEYS,
    "oauth",
    "folders",
    "sent_folder",
    "ca_file",
    "allow_write",
    "batch_messages",
    "batch_bytes",
    "timeout_seconds",
)
_OAUTH_KEYS = (
    "client_id",
    "client_secret_env",
    "tenant",
    "token_file",
    "token_url",
    "authorize_url",
    "device_code_url",
    "scopes",
    "mechanism",
)


def _port(sec: _Section, default: int) -> int:
    port = sec.get(
        "port", int, default, check=lambda p: 0 < p < 65536, expected="an integer port 1-65535"
    )
    assert port is not None
    return port


def _provider(sec: _Section) -> Provider | None:
    name = sec.text("provider")
    if name is None:
        return None
    if name not in PROVIDERS:
        raise sec.fail("provider", " or ".join(repr(p) for p in PROVIDERS))
    return PROVIDERS[name]


def _auth(sec: _Section) -> Auth:
    value = sec.text("auth", "password")
    if value not in ("password", "oauth2"):
        raise sec.fail("auth", "'password' or 'oauth2'")
    return value  # type: ignore[return-value]


def _login_source(
    sec: _Section, auth: Auth, required: bool
) -> tuple[str | None, str | None, str | None]:
    """The password source (password_env, password_command, password_file); with OAuth2
    there must be none (and no token keys otherwise)."""
    env, command, file = _password_source(sec)
    if auth == "oauth2":
        if env or command or file:
            raise ConfigError(
                f'{sec.where}: {sec.path}: auth = "oauth2" uses a token, not '
                "a password: remove password_env / password_command / "
                "password_file"
            )
        return None, None, None
    for key in ("token_command", "oauth", "oauth_account"):
        if key in sec.data:
            raise ConfigError(f'{sec.where}: {sec.path}.{key}: only used with auth = "oauth2"')
    if required and not env and not command and not file:
        raise ConfigError(
            f"{sec.where}: {sec.path}: set password_env (the name of an "
            "environment variable holding the password), password_file or "
            "password_command"
        )
    return env, command, file


def _oauth(sec: _Section, provider: Provider | None, base: Path, name: str) -> OAuthConfig:
    """The account's OAuth2 settings: token_command, or an [oauth] table for the token store."""
    command = sec.text("token_command")
    table = sec.table("oauth")
    table.check_keys(_OAUTH_KEYS)
    if command:
        if table.data:
            raise ConfigError(
                f"{sec.where}: {sec.path}: set token_command or an oauth table, not both"
            )
        return OAuthConfig(token_command=command)
    if not table.data:
        raise ConfigError(
            f'{sec.where}: {sec.path}: auth = "oauth2" needs token_command '
            "(an external helper) or an oauth table with client_id "
            "(see the README: Gmail / Microsoft 365)"
        )
    tenant = table.text("tenant", "organizations") or "organizations"

    def preset(key: str) -> str | None:
        value = getattr(provider, key, None)
        return table.text(key, value.format(tenant=tenant) if value else None)

    oauth = OAuthConfig(
        client_id=table.text("client_id", required=True),
        client_secret_env=table.text("client_secret_env"),
        token_file=_token_file(table, base, name),
        token_url=preset("token_url"),
        authorize_url=preset("authorize_url"),
        device_code_url=preset("device_code_url"),
        scopes=table.strings("scopes") or (provider.scopes if provider else ()),
        mechanism=_mechanism(table),
    )
    if not oauth.token_url or not (oauth.authorize_url or oauth.device_code_url):
        raise ConfigError(
            f"{sec.where}: {table.path}: without a provider, set token_url and "
            "authorize_url (browser sign-in) or device_code_url (device code)"
        )
    return oauth


def _token_file(sec: _Section, base: Path, account: str) -> Path:
    """Where the refresh token lives; a relative path is relative to the config file."""
    path = Path(sec.text("token_file") or f"tokens/{account}.json").expanduser()
    return path if path.is_absolute() else base / path


def _mechanism(sec: _Section) -> Mechanism:
    value = sec.text("mechanism", "xoauth2")
    if value not in ("xoauth2", "oauthbearer"):
        raise sec.fail("mechanism", "'xoauth2' or 'oauthbearer'")
    return value  # type: ignore[return-value]


def _account(sec: _Section, base: Path) -> AccountConfig:
    sec.check_keys(_ACCOUNT_KEYS)
    provider = _provider(sec)
    host = sec.text("host", provider.imap_host if provider else None, required=not provider)
    assert host is not None
    security = _security(sec, host, "tls")
    auth = _auth(sec)
    env, command, file = _login_source(sec, auth, required=True)
    name = sec.text("name", required=True) or ""
    if provider is PROVIDERS["microsoft365"] and auth == "password":
        sec.warnings.append(
            f"{sec.where}: {sec.path}: Microsoft 365 refuses password logins "
            'over IMAP; set auth = "oauth2" (see the README)'
        )
    oauth = _oauth(sec, provider, base, name) if auth == "oauth2" else None
    return AccountConfig(
        name=name,
        host=host,
        port=_port(sec, 993 if security == "tls" else 143),
        security=security,
        username=sec.text("username", required=True) or "",
        password_env=env,
        password_command=command,
        folders=sec.strings("folders") or ("INBOX",),
        sent_folder=sec.text("sent_folder"),
        find_sent="sent_folder" not in sec.data,
        ca_file=_existing_file(sec, "ca_file"),
        allow_write=bool(sec.get("allow_write", bool, False)),
        password_file=file,
        batch_messages=_positive_int(sec, "batch_messages", 200),
        batch_bytes=_positive_int(sec, "batch_bytes", 20_000_000),
        timeout_seconds=_positive_float(sec, "timeout_seconds", 60.0),
        auth=auth,
        oauth=oauth,
    )


def _existing_file(sec: _Section, key: str) -> str | None:
    value = sec.text(key)
    if value is not None and not Path(value).expanduser().is_file():
        raise sec.fail(key, "the path of an existing PEM file")
    return str(Path(value).expanduser()) if value else None


def _positive_int(sec: _Section, key: str, default: int) -> int:
    value = sec.get(key, int, default, check=lambda v: v > 0, expected="a positive integer")
    assert value is not None
    return value


def _positive_float(sec: _Section, key: str, default: float) -> float:
    value = sec.get(key, float, default, check=lambda v: v > 0, expected="a positive number")
    assert value is not None
    return value


def _client(sec: _Section, me: MeConfig) -> ClientConfig:
    sec.check_keys(
        (
            "name",
            "addresses",
            "monthly_revenue",
            "currency",
            "working_hours",
            "working_days",
            "payment_terms_days",
        )
    )
    addresses = tuple(a.lower() for a in sec.strings("addresses", required=True))
    for address in addresses:
        if "@" not in address:
            raise sec.fail(
                "addresses", "addresses like 'boss@acme.example' or domains like '@acme.example'"
            )
    override = None
    if "working_hours" in sec.data or "working_days" in sec.data:
        wt = me.working_time
        override = _working_time(
            sec, wt.tz, wt.holidays_country, f"{wt.start:%H:%M}-{wt.end:%H:%M}", "Mon-Sun"
        )
    revenue = sec.get(
        "monthly_revenue", float, 0.0, check=lambda v: v >= 0, expected="a number >= 0"
    )
    return ClientConfig(
        name=_client_name(sec),
        addresses=addresses,
        monthly_revenue=revenue or 0.0,
        currency=sec.text("currency", "EUR") or "EUR",
        working_time=override,
        payment_terms_days=_positive_int(sec, "payment_terms_days", 8),
    )


def _client_name(sec: _Section) -> str:
    """The client's name, refused if it holds a line break or another control or format
    character: the name is printed in the report and the alert mail."""
    name = sec.text("name", required=True) or ""
    if scrub_controls(name) != name:
        raise sec.fail(
            "name",
            "a name without line breaks, control characters or "
            "invisible formatting characters (such as bidi overrides)",
        )
    return name


def _polling(sec: _Section) -> PollingConfig:
    sec.check_keys(("interval_minutes", "idle"))
    return PollingConfig(
        interval_minutes=_positive_float(sec, "interval_minutes", 5.0),
        idle=bool(sec.get("idle", bool, True)),
    )


def _report(sec: _Section) -> ReportConfig:
    sec.check_keys(
        ("time", "window_days", "send_when_unchanged", "recipients", "thresholds", "min_messages")
    )
    thresholds = sec.table("thresholds")
    for key in thresholds.data:
        thresholds.get(key, float, expected="a number")
    return ReportConfig(
        time=sec.convert("time", _clock, "07:30"),
        window_days=_positive_int(sec, "window_days", 30),
        send_when_unchanged=bool(sec.get("send_when_unchanged", bool, False)),
        recipients=tuple(a.lower() for a in sec.strings("recipients")),
        thresholds={k: float(v) for k, v in thresholds.data.items()},
        min_messages=_positive_int(sec, "min_messages", 5),
    )


def _smtp(sec: _Section, accounts: tuple[AccountConfig, ...]) -> SmtpConfig:
    sec.check_keys(
        (
            "provider",
            "host",
            "port",
            "security",
            "username",
            *_LOGIN_KEYS,
            "oauth_account",
            "from",
            "ca_file",
            "timeout_seconds",
        )
    )
    provider = _provider(sec)
    host = sec.text("host", provider.smtp_host if provider else None, required=not provider)
    assert host is not None
    security = _security(sec, host, provider.smtp_security if provider else "starttls")
    auth = _auth(sec)
    env, command, file = _login_source(sec, auth, required=False)
    username = sec.text("username")
    oauth = None
    if auth == "oauth2":
        oauth, username = _smtp_oauth(sec, accounts, username)
    return SmtpConfig(
        host=host,
        port=_port(sec, {"tls": 465, "starttls": 587, "none": 25}[security]),
        security=security,
        username=username,
        auth=auth,
        oauth=oauth,
        oauth_account=sec.text("oauth_account"),
        password_env=env,
        password_command=command,
        from_addr=sec.text("from", required=True) or "",
        ca_file=_existing_file(sec, "ca_file"),
        timeout_seconds=_positive_float(sec, "timeout_seconds", 30.0),
        password_file=file,
    )


def _smtp_oauth(
    sec: _Section, accounts: tuple[AccountConfig, ...], username: str | None
) -> tuple[OAuthConfig, str]:
    """SMTP's token: its own token_command, or the token store of one of the accounts
    (one sign-in covers both when its scopes include sending, as the presets' do)."""
    command = sec.text("token_command")
    reuse = sec.text("oauth_account")
    if bool(command) == bool(reuse):
        raise ConfigError(
            f'{sec.where}: smtp: auth = "oauth2" needs token_command, or '
            "oauth_account = the name of an account signed in with OAuth2"
        )
    if command:
        oauth = OAuthConfig(token_command=command)
    else:
        account = next((a for a in accounts if a.name == reuse and a.oauth), None)
        if account is None or account.oauth is None:
            raise sec.fail(
                "oauth_account", 'the name of an [[accounts]] entry with auth = "oauth2"'
            )
        oauth, username = account.oauth, username or account.username
    if not username:
        raise ConfigError(f'{sec.where}: smtp.username: required with auth = "oauth2"')
    return oauth, username


_TOP_KEYS = (
    "database",
    "me",
    "accounts",
    "clients",
    "polling",
    "report",
    "smtp",
    "suggestions",
    "retention",
    "models",
    "health",
    "metrics",
    "waiting",
)


def _resolve_db_url(url: str) -> str:
    """Make a relative SQLite path relative to :func:`data_dir`, not to the working
    directory or the config file (which may sit in read-only /etc)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix + ":memory:":
        return url
    path = Path(url[len(prefix) :]).expanduser()
    if path.is_absolute():
        return prefix + str(path)
    return prefix + str((data_dir() / path).resolve())


def parse_config(data: Mapping[str, Any], where: str, path: Path | None = None) -> Config:
    """Validate an already-parsed TOML document and build the :class:`Config`."""
    warnings: list[str] = []
    root = _Section(where, data, "", warnings)
    root.check_keys(_TOP_KEYS)
    db = root.table("database")
    db.check_keys(("url",))
    url = _resolve_db_url(db.text("url", DEFAULT_DATABASE) or "")
    me = _me(root.table("me"))
    base = path.parent if path else Path.cwd()
    accounts = tuple(_account(s, base) for s in root.tables("accounts"))
    _unique(where, "accounts", [a.name for a in accounts])
    clients = tuple(_client(s, me) for s in root.tables("clients"))
    _unique(where, "clients", [c.name for c in clients])
    return Config(
        path=path,
        database_url=url,
        me=me,
        accounts=accounts,
        clients=clients,
        polling=_polling(root.table("polling")),
        report=_report(root.table("report")),
        smtp=_smtp(root.table("smtp"), accounts) if "smtp" in data else None,
        suggestions=_suggestions(root.table("suggestions")),
        health=_health(root.table("health")),
        waiting=_waiting(root.table("waiting")),
        metrics=_metrics(root.table("metrics")),
        retention_days=_retention(root.table("retention")),
        models_dir=_models_dir(root.table("models"), path),
        warnings=tuple(warnings),
    )


def _suggestions(sec: _Section) -> SuggestionsConfig:
    sec.check_keys(("enabled", "write_keywords"))
    return SuggestionsConfig(
        enabled=bool(sec.get("enabled", bool, False)),
        write_keywords=bool(sec.get("write_keywords", bool, False)),
    )


def _health(sec: _Section) -> HealthConfig:
    sec.check_keys(("max_sync_age_minutes",))
    return HealthConfig(
        sec.get(
            "max_sync_age_minutes",
            float,
            None,
            check=lambda v: v > 0,
            expected="a positive number of minutes",
        )
    )


def _waiting(sec: _Section) -> WaitingConfig:
    sec.check_keys(("after_working_hours", "days"))
    hours = sec.get(
        "after_working_hours",
        float,
        16.0,
        check=lambda v: v >= 0,
        expected="a number of working hours >= 0",
    )
    return WaitingConfig(
        after_working_hours=16.0 if hours is None else hours, days=_positive_int(sec, "days", 14)
    )


def _metrics(sec: _Section) -> MetricsConfig:
    sec.check_keys(("listen",))
    listen = sec.text("listen")
    if listen is None:
        return MetricsConfig()
    host, _, port = listen.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise sec.fail("listen", "host:port, like '127.0.0.1:9108' or '[::1]:9108'")
    return MetricsConfig(listen_host=host, listen_port=int(port))


def _retention(sec: _Section) -> int | None:
    sec.check_keys(("days",))
    return sec.get("days", int, None, check=lambda v: v > 0, expected="a positive integer")


def _models_dir(sec: _Section, path: Path | None) -> Path:
    sec.check_keys(("dir",))
    value = sec.text("dir")
    if value is None:
        return default_models_dir()
    folder = Path(value).expanduser()
    if not folder.is_absolute() and path is not None:
        folder = path.parent / folder
    return folder


def _unique(where: str, key: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConfigError(f"{where}: {key}: the name {name!r} is used twice")
        seen.add(name)


def load_config(path: Path) -> Config:
    """Read, parse and validate the config file at *path*."""
    where = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{where}: no such file; run `inboxwatch init` to write a starter "
            "config, or pass --config"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read the file: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from exc
    config = parse_config(data, where, path.resolve())
    extra = _permission_warning(path)
    if extra:
        config = _with_warning(config, extra)
    return config


def _permission_warning(path: Path) -> str | None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        return f"{path}: the config file is readable by other users; run: chmod 600 {path}"
    return None


def _with_warning(config: Config, warning: str) -> Config:
    from dataclasses import replace

    return replace(config, warnings=(*config.warnings, warning))


def config_path(cli_value: str | None) -> Path:
    """Where the config comes from: --config, else $INBOXWATCH_CONFIG, else
    ./inboxwatch.toml if it exists, else :func:`default_config_path`."""
    if cli_value:
        return Path(cli_value).expanduser()
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env).expanduser()
    local = Path("inboxwatch.toml")
    return local if local.is_file() else default_config_path()
