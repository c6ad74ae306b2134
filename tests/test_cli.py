"""The command line: every command documented with an example; errors are one clear line."""

from __future__ import annotations

import json
import re
from datetime import date
from email import message_from_bytes
from pathlib import Path

import pytest

from inboxwatch.app.cli import COMMANDS, EXIT_CONFIG, EXIT_USAGE, build_parser, main
from tests.smtpserver import smtp_server
from tests.tools.service_env import run_cli, small_config


def write_config(path: Path, *tables: str) -> Path:
    """A small config with an SQLite database beside it."""
    return small_config(path, f"sqlite:///{path.parent / 'iw.db'}", *tables)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(name: str) -> None:
    doc = COMMANDS[name].__doc__ or ""
    assert doc.strip(), f"{name} has no docstring"
    assert "Example:" in doc, f"{name} --help shows no example"
    assert "inboxwatch " in doc.split("Example:")[1]
    parser = build_parser()
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args([name, "--help"])
    assert exit_info.value.code == 0


def test_missing_config_is_one_line_and_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--config", str(tmp_path / "absent.toml"), "check-config"])
    err = capsys.readouterr().err
    assert code == EXIT_CONFIG
    assert err.count("\n") == 1 and "absent.toml: no such file" in err
    assert "Traceback" not in err


def test_check_config_reports_a_missing_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[me]\naddresses = ["a@b.example"]\n[[accounts]]\nname = "w"\n'
        'host = "imap.b.example"\nusername = "a"\npassword_env = "IW_NOPE"\n'
    )
    path.chmod(0o600)
    monkeypatch.delenv("IW_NOPE", raising=False)
    assert main(["--config", str(path), "check-config"]) == EXIT_CONFIG
    out = capsys.readouterr().out
    assert "IW_NOPE is not set" in out
    monkeypatch.setenv("IW_NOPE", "pw")
    assert main(["--config", str(path), "check-config"]) == 0
    assert "password available" in capsys.readouterr().out


def test_broken_config_through_the_real_console_entry(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[me]\naddresses = ["a@b.example"]\ntimezone = "Nowhere/City"\n')
    result = run_cli(path, "status")
    assert result.returncode == EXIT_CONFIG
    assert result.stderr.strip().endswith(
        "me.timezone: unknown time zone 'Nowhere/City' (use an IANA name like 'Europe/Budapest')"
    )
    assert "Traceback" not in result.stderr


def test_top_level_help_is_for_users(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    text = capsys.readouterr().out
    start = text.split("Start here:", 1)[1]
    assert "reads your mailbox over IMAP (read-only)" in text
    for first_steps in (
        "inboxwatch demo",
        "inboxwatch check-config",
        "inboxwatch poll --once",
        "inboxwatch report",
    ):
        assert first_steps in start


def test_global_options_work_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "after.toml")
    assert main(["status", "--config", str(config)]) == 0
    assert "nothing stored yet" in capsys.readouterr().out
    # one given before the command is not undone by its absence after it
    assert main(["--config", str(config), "status", "-v"]) == 0
    args = build_parser().parse_args(["-v", "report", "--log-format", "json"])
    assert (args.config, args.verbose, args.log_format) == (None, 1, "json")


def test_with_json_logs_the_error_line_is_json_too(tmp_path: Path) -> None:
    result = run_cli(
        None, "check-config", "--config", str(tmp_path / "absent.toml"), "--log-format", "json"
    )
    assert result.returncode == EXIT_CONFIG
    (line,) = result.stderr.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "error" and "absent.toml: no such file" in entry["message"]


def test_with_json_logs_a_usage_error_is_json_too() -> None:
    result = run_cli(None, "--log-format", "json", "report", "--date", "13/11/2026")
    assert result.returncode == EXIT_USAGE
    (line,) = result.stderr.splitlines()
    assert "expected a date like 2026-11-13, got '13/11/2026'" in json.loads(line)["message"]


def test_report_date_is_parsed_once_into_a_date() -> None:
    args = build_parser().parse_args(["report", "--date", "2026-11-13"])
    assert args.date == date(2026, 11, 13)


def test_forget_refuses_an_unknown_client_and_names_the_closest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path / "f.toml"))
    assert main(["forget", "acme", "--yes", "--config", config]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "no client named 'acme'" in err and "did you mean 'Acme Kft.'?" in err
    assert main(["forget", "Initech", "--config", config]) == EXIT_USAGE
    assert "the configured clients are: 'Acme Kft.', 'Globex'" in capsys.readouterr().err
    assert main(["forget", "Acme Kft.", "--config", config]) == 0
    assert "run again with --yes" in capsys.readouterr().out
    # a client already removed from the config: their addresses say whose mail it is
    assert main(["forget", "Initech", "--address", "@initech.example", "--config", config]) == 0
    # undoing a forget that never happened is refused too, not "nothing to undo" and exit 0
    assert main(["forget", "Acme", "--undo", "--config", config]) == EXIT_USAGE
    assert "no forgotten client named 'Acme'" in capsys.readouterr().err


def test_label_takes_the_id_as_the_report_prints_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo.db"
    assert main(["demo", "--db", str(db)]) == 0
    shown = re.search(r"#(\d+) \d{4}-\d\d-\d\d", capsys.readouterr().out)
    assert shown is not None
    config = tmp_path / "label.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{db}"\n[me]\naddresses = ["a@b.example"]\n')
    config.chmod(0o600)
    code = main(["label", f"#{shown[1]}", "--tag", "urgent", "--no", "--config", str(config)])
    assert code == 0
    assert f"message {shown[1]} is not urgent: saved" in capsys.readouterr().out


def test_the_alert_mail_says_it_is_auto_generated(tmp_path: Path) -> None:
    with smtp_server() as server:
        config = write_config(
            tmp_path / "smtp.toml",
            (
                f'[smtp]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
                'from = "inboxwatch <inboxwatch@assist.example>"\n'
                '[report]\nrecipients = ["anna@assist.example"]\n'
            ),
        )
        result = run_cli(config, "report", "--send", "--date", "2026-11-13")
    assert result.returncode == 0, result.stderr
    assert "sent 1, pending 0" in result.stdout
    ((_sender, _rcpts, raw),) = server.box.received
    assert message_from_bytes(raw)["Auto-Submitted"] == "auto-generated"
