"""The command line: every command documented with an example; errors are one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from inboxwatch.app.cli import COMMANDS, EXIT_CONFIG, build_parser, main


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inboxwatch", *args], capture_output=True,
                          text=True, input=stdin, env=env, timeout=120, check=False)


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


def test_missing_config_is_one_line_and_exit_code(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--config", str(tmp_path / "absent.toml"), "check-config"])
    err = capsys.readouterr().err
    assert code == EXIT_CONFIG
    assert err.count("\n") == 1 and "absent.toml: no such file" in err
    assert "Traceback" not in err


def test_check_config_reports_a_missing_password(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[me]\naddresses = ["a@b.example"]\n[[accounts]]\nname = "w"\n'
                    'host = "imap.b.example"\nusername = "a"\npassword_env = "IW_NOPE"\n')
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
    result = run_cli("--config", str(path), "status")
    assert result.returncode == EXIT_CONFIG
    assert result.stderr.strip().endswith("me.timezone: unknown time zone 'Nowhere/City' "
                                          "(use an IANA name like 'Europe/Budapest')")
    assert "Traceback" not in result.stderr
