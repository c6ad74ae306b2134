"""The config loader: every mistake names the file, the key and what is expected."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inboxwatch.config import config_path, load_config
from inboxwatch.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """
[me]
addresses = ["anna@assist.example"]
timezone = "Europe/Budapest"
"""

ACCOUNT = """
[[accounts]]
name = "work"
host = "imap.example.com"
username = "anna@assist.example"
password_env = "IW_TEST_PASSWORD"
"""


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "inboxwatch.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return str(info.value)


def test_example_config_is_valid(tmp_path: Path) -> None:
    path = write(tmp_path, (ROOT / "config.example.toml").read_text(encoding="utf-8"))
    config = load_config(path)
    assert config.me.addresses == ("va@example.com",)
    assert config.me.working_time.tz.key == "Europe/Budapest"
    assert config.me.working_time.holidays_country == "HU"
    assert config.accounts[0].security == "tls" and config.accounts[0].port == 993
    assert config.accounts[0].allow_write is False
    assert config.clients[0].addresses == ("boss@acme.example", "@acme.example")
    assert config.warnings == ()


def test_relative_sqlite_path_is_in_the_data_folder_not_beside_the_config(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL + '[database]\nurl = "sqlite:///x/iw.db"\n'))
    data_home = Path(os.environ["XDG_DATA_HOME"]).resolve()
    assert config.database_url == f"sqlite:///{data_home}/inboxwatch/x/iw.db"


def test_default_database_is_in_the_platform_data_folder_or_systemd_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, MINIMAL)
    data_home = Path(os.environ["XDG_DATA_HOME"]).resolve()
    assert load_config(path).database_url == f"sqlite:///{data_home}/inboxwatch/inboxwatch.db"
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    assert load_config(path).database_url == f"sqlite:///{tmp_path / 'state'}/inboxwatch.db"


def test_config_path_falls_back_to_the_platform_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config_home = Path(os.environ["XDG_CONFIG_HOME"])
    assert config_path(None) == config_home / "inboxwatch" / "inboxwatch.toml"
    (tmp_path / "inboxwatch.toml").write_text(MINIMAL)  # a config here wins
    assert config_path(None) == Path("inboxwatch.toml")
    monkeypatch.setenv("INBOXWATCH_CONFIG", str(tmp_path / "env.toml"))
    assert config_path(None) == tmp_path / "env.toml"
    assert config_path(str(tmp_path / "cli.toml")) == tmp_path / "cli.toml"


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no such file; run `inboxwatch init`"):
        load_config(tmp_path / "nope.toml")


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[me\naddresses = 1")
    assert "inboxwatch.toml: not valid TOML" in message


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    message = error_for(tmp_path, MINIMAL.replace("addresses", "adresses"))
    assert "me.adresses: unknown key (did you mean 'addresses'?)" in message


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('timezone = "Mars/Olympus"', "me.timezone: unknown time zone 'Mars/Olympus'"),
        ('working_hours = "9-to-5"', "me.working_hours"),
        ('working_days = "Funday"', "me.working_days"),
        ('holidays = "XX"', "me.holidays: expected a country code"),
    ],
)
def test_bad_me_values_name_the_key(tmp_path: Path, snippet: str, expected: str) -> None:
    key = snippet.split(" ")[0]
    text = "\n".join(line for line in MINIMAL.splitlines() if not line.startswith(key))
    assert expected in error_for(tmp_path, text + "\n" + snippet + "\n")


def test_wrong_type_says_what_was_expected(tmp_path: Path) -> None:
    message = error_for(tmp_path, MINIMAL + ACCOUNT + 'port = "imaps"\n')
    assert "accounts[0].port: expected an integer port 1-65535, got 'imaps'" in message


def test_plaintext_imap_is_refused_off_loopback(tmp_path: Path) -> None:
    message = error_for(tmp_path, MINIMAL + ACCOUNT + 'security = "none"\n')
    assert "accounts[0].security: 'none' sends your password in clear text" in message


def test_an_account_needs_a_password_source(tmp_path: Path) -> None:
    message = error_for(
        tmp_path, MINIMAL + ACCOUNT.replace('password_env = "IW_TEST_PASSWORD"', "")
    )
    assert "set password_env" in message


def test_literal_password_is_ignored_with_a_warning(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL + ACCOUNT + 'password = "hunter2"\n'))
    assert any("literal password in the config file is ignored" in w for w in config.warnings)
    assert all("hunter2" not in w for w in config.warnings)
    assert config.accounts[0].password_env == "IW_TEST_PASSWORD"


def test_config_readable_by_others_draws_a_warning(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL, mode=0o644))
    assert any("readable by other users" in w and "chmod 600" in w for w in config.warnings)


def test_duplicate_client_names_are_refused(tmp_path: Path) -> None:
    client = '[[clients]]\nname = "Acme"\naddresses = ["@acme.example"]\n'
    assert "clients: the name 'Acme' is used twice" in error_for(
        tmp_path, MINIMAL + client + client
    )


def test_client_address_must_look_like_an_address(tmp_path: Path) -> None:
    client = '[[clients]]\nname = "Acme"\naddresses = ["acme"]\n'
    assert "clients[0].addresses" in error_for(tmp_path, MINIMAL + client)


def test_client_hours_override(tmp_path: Path) -> None:
    client = (
        '[[clients]]\nname = "Acme"\naddresses = ["@acme.example"]\nworking_hours = "08:00-20:00"\n'
    )
    config = load_config(write(tmp_path, MINIMAL + client))
    override = config.clients[0].working_time
    assert override is not None and override.end.hour == 20


def test_password_from_env_and_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from inboxwatch.credentials import resolve_password
    from inboxwatch.errors import CredentialError

    monkeypatch.setenv("IW_TEST_PASSWORD", "s3cret")
    assert resolve_password("account 'w'", "IW_TEST_PASSWORD", None) == "s3cret"
    assert resolve_password("account 'w'", None, "printf 'from-cmd\\nignored'") == "from-cmd"
    monkeypatch.delenv("IW_TEST_PASSWORD")
    with pytest.raises(CredentialError, match="IW_TEST_PASSWORD is not set"):
        resolve_password("account 'w'", "IW_TEST_PASSWORD", None)
    with pytest.raises(CredentialError, match="exit status 3") as info:
        resolve_password("account 'w'", None, "sh -c 'echo leaked-secret; exit 3'")
    assert "leaked-secret" not in str(info.value)
    assert os.environ.get("IW_TEST_PASSWORD") is None


def test_password_file_from_the_credentials_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """password_file reads the first line of a file, with $CREDENTIALS_DIRECTORY expanded
    when the password is read (systemd's LoadCredential=, Docker's /run/secrets)."""
    from inboxwatch.credentials import resolve_password
    from inboxwatch.errors import CredentialError
    from inboxwatch.ingest.sync import account_password

    account = ACCOUNT.replace(
        'password_env = "IW_TEST_PASSWORD"',
        'password_file = "${CREDENTIALS_DIRECTORY}/work-password"',
    )
    config = load_config(write(tmp_path, MINIMAL + account))
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(CredentialError, match="CREDENTIALS_DIRECTORY is set only inside"):
        account_password(config.accounts[0])
    creds = tmp_path / "creds"
    creds.mkdir()
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    with pytest.raises(CredentialError, match="work-password: no such file"):
        account_password(config.accounts[0])
    (creds / "work-password").write_text("s3cret from file\nsecond line\n", encoding="utf-8")
    assert account_password(config.accounts[0]) == "s3cret from file"
    (creds / "empty").write_text("", encoding="utf-8")
    with pytest.raises(CredentialError, match="is empty"):
        resolve_password("smtp", None, None, str(creds / "empty"))
    smtp = MINIMAL + (
        '[smtp]\nhost = "smtp.example.com"\nfrom = "a@assist.example"\n'
        f'password_file = "{creds / "work-password"}"\n'
    )
    from inboxwatch.reporting.mailer import smtp_password

    smtp_config = load_config(write(tmp_path, smtp)).smtp
    assert smtp_config is not None and smtp_password(smtp_config) == "s3cret from file"


def test_only_one_password_source(tmp_path: Path) -> None:
    text = MINIMAL + ACCOUNT + 'password_file = "/run/secrets/work"\n'
    assert "set only one of password_env and password_file" in error_for(tmp_path, text)


def test_missing_config_names_only_files_that_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether or not the install has an example config (a checkout, the container image, a
    wheel), the error names no file the user does not have: it says to run `inboxwatch init`."""
    for home in (None, tmp_path):
        if home is not None:
            monkeypatch.setenv("INBOXWATCH_HOME", str(home))
        with pytest.raises(ConfigError) as missing:
            load_config(tmp_path / "absent.toml")
        assert "run `inboxwatch init`" in str(missing.value)
        assert "config.example.toml" not in str(missing.value)


def test_client_payment_terms_default_to_8_days_and_must_be_positive(tmp_path: Path) -> None:
    client = '[[clients]]\nname = "Acme"\naddresses = ["@acme.example"]\n'
    assert load_config(write(tmp_path, MINIMAL + client)).clients[0].payment_terms_days == 8
    thirty = load_config(write(tmp_path, MINIMAL + client + "payment_terms_days = 30\n"))
    assert thirty.clients[0].payment_terms_days == 30
    assert "payment_terms_days" in error_for(
        tmp_path, MINIMAL + client + "payment_terms_days = 0\n"
    )
