"""Getting set up: `init` writes a starter config, `check-config` and `run` say what the
service will do, and the demo says how to look at its database again."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from inboxwatch.app.cli import EXIT_CONFIG, EXIT_FAILURE, main

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """
[me]
addresses = ["anna@assist.example"]
timezone = "Europe/Budapest"

[[accounts]]
name = "work"
host = "imap.assist.example"
username = "anna"
password_env = "IW_SETUP_PW"
folders = ["INBOX", "Clients"]
sent_folder = "Sent"

[report]
time = "06:45"
recipients = ["boss@assist.example"]
"""

SMTP = """
[smtp]
host = "smtp.assist.example"
from = "inboxwatch <anna@assist.example>"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "iw.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_init_writes_the_example_owner_only_and_never_overwrites(
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = Path(os.environ["XDG_CONFIG_HOME"]) / "inboxwatch" / "inboxwatch.toml"
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {target} (mode 600)" in out
    assert "inboxwatch check-config" in out and "--config" not in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == (ROOT / "config.example.toml").read_text()
    target.write_text("# mine\n")
    assert main(["init"]) == EXIT_CONFIG
    assert "already exists" in capsys.readouterr().err
    assert target.read_text() == "# mine\n"


def test_init_elsewhere_says_to_pass_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "sub" / "iw.toml"
    assert main(["--config", str(target), "init"]) == 0
    assert f"inboxwatch --config {target} check-config" in capsys.readouterr().out
    assert main(["--config", str(target), "check-config"]) == EXIT_CONFIG  # no password yet


def test_check_config_says_what_the_service_will_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IW_SETUP_PW", "x")
    assert main(["--config", str(write(tmp_path, CONFIG)), "check-config"]) == 0
    out = capsys.readouterr().out
    data_home = Path(os.environ["XDG_DATA_HOME"]).resolve()
    assert f"database: {data_home}/inboxwatch/inboxwatch.db (SQLite)" in out
    assert (
        "account work: polls anna@imap.assist.example:993 (tls), folders ['INBOX', "
        "'Clients'], sent Sent; every 5 min and IMAP IDLE"
    ) in out
    assert (
        "daily report: at 06:45 Europe/Budapest, to boss@assist.example but [smtp] is "
        "missing" in out
    )
    assert "WARNING: [smtp] is missing, so the daily report at 06:45 cannot be mailed" in out

    assert main(["--config", str(write(tmp_path, CONFIG + SMTP)), "check-config"]) == 0
    out = capsys.readouterr().out
    assert (
        "daily report: at 06:45 Europe/Budapest, to boss@assist.example through "
        "smtp.assist.example:587 (starttls)"
    ) in out
    assert "WARNING" not in out


def test_run_logs_the_summary_at_the_default_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # no model in [models] dir: run stops right after the summary, before the service starts
    config = write(tmp_path, CONFIG + f'[models]\ndir = "{tmp_path / "no-model"}"\n')
    assert main(["--config", str(config), "run"]) == EXIT_FAILURE
    err = capsys.readouterr().err
    assert f"INFO inboxwatch.app.service_commands: config {config.resolve()}" in err
    assert "INFO inboxwatch.app.service_commands: account work: polls anna@" in err
    assert "INFO inboxwatch.app.service_commands: daily report: at 06:45" in err
    assert "WARNING inboxwatch.app.service_commands: [smtp] is missing" in err


@pytest.mark.slow
def test_demo_prints_commands_that_show_its_database_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo" / "d.db"
    assert main(["demo", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    commands = re.findall(r"^  (inboxwatch --config .*)$", out, re.MULTILINE)
    config = db.with_suffix(".toml")
    assert commands[0] == f"inboxwatch --config {config} report --date 2026-11-13"
    assert f"inboxwatch --config {config} suggest --date 2026-11-13" in commands
    assert stat.S_IMODE(config.stat().st_mode) == 0o600

    assert main(["--config", str(config), "report", "--date", "2026-11-13"]) == 0
    report = capsys.readouterr()
    assert report.out.startswith("inboxwatch report for 2026-11-13") and not report.err
    assert "Acme Kft." in report.out

    assert main(["--config", str(config), "suggest", "--date", "2026-11-13"]) == 0
    assert re.search(r"^message \d+ \(.+\): reply after ", capsys.readouterr().out, re.M)
    assert main(["--config", str(config), "suggest", "--date", "2026-09-01"]) == 0
    assert "no unanswered client messages" in capsys.readouterr().out
