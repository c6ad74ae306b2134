"""The deployment recipes in contrib/ work as written.

The systemd unit is checked with ``systemd-analyze verify`` (syntax, every key known, the
ExecStart binary executable) and ``systemd-analyze security --offline`` (the hardening). No
systemd runs as PID 1 here, so the unit is verified, not started. The compose file and the
Dockerfile are checked against each other and against the config they expect.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
UNIT = REPO / "contrib" / "inboxwatch.service"
COMPOSE = REPO / "contrib" / "docker-compose.yml"
MAX_EXPOSURE = 2.0  # systemd-analyze security: 0 = fully locked down, 10 = unprotected

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is missing: make system-deps installs the systemd package",
)


def _unit_with_local_binary(tmp_path: Path) -> Path:
    """The unit as shipped, with ExecStart pointing at this venv's inboxwatch (verify checks
    that the binary exists and is executable)."""
    local = Path(sys.executable).parent / "inboxwatch"
    text = UNIT.read_text(encoding="utf-8")
    assert "/opt/inboxwatch/.venv/bin/inboxwatch" in text
    unit = tmp_path / "inboxwatch.service"
    unit.write_text(
        text.replace("/opt/inboxwatch/.venv/bin/inboxwatch", str(local)), encoding="utf-8"
    )
    return unit


@needs_systemd_analyze
def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", str(_unit_with_local_binary(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # verify exits 0 on unknown keys or a bad path in a key and only warns: any output fails
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


@needs_systemd_analyze
def test_systemd_analyze_verify_fails_on_a_missing_binary(tmp_path: Path) -> None:
    """The check above can tell a broken unit: the shipped ExecStart, where no venv exists."""
    unit = tmp_path / "inboxwatch.service"
    unit.write_text(UNIT.read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0 and "not executable" in result.stderr


def test_no_setting_carries_an_inline_comment() -> None:
    """systemd has no inline comments: `EnvironmentFile=/x   # note` names the file
    "/x   # note" (the README's old unit failed that way). verify does not catch it (paths
    are only opened at start), so this checks every setting line."""
    for number, line in enumerate(UNIT.read_text(encoding="utf-8").splitlines(), 1):
        if "=" in line and not line.lstrip().startswith(("#", ";")):
            assert " #" not in line and "\t#" not in line, f"line {number}: {line}"


@needs_systemd_analyze
def test_the_unit_is_hardened(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            "systemd-analyze",
            "security",
            "--offline=true",
            "--no-pager",
            str(_unit_with_local_binary(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout + result.stderr)
    assert found is not None, result.stdout + result.stderr
    assert float(found.group(1)) <= MAX_EXPOSURE
    text = UNIT.read_text(encoding="utf-8")
    for key in (
        "StateDirectory=inboxwatch",
        "UMask=0077",
        "LoadCredential=work-password:",
        "ProtectSystem=strict",
        "ProtectHome=true",
        "RestrictAddressFamilies=",
        "RestrictNamespaces=true",
        "NoNewPrivileges=true",
    ):
        assert key in text


def test_the_unit_and_the_compose_file_match_the_password_file_option(tmp_path: Path) -> None:
    """The config the unit's header and the compose file describe loads, and its
    password_file resolves inside each (systemd's credentials directory, Docker's secrets)."""
    from inboxwatch.config import load_config
    from inboxwatch.ingest.sync import account_password

    header = UNIT.read_text(encoding="utf-8")
    assert 'password_file = "${CREDENTIALS_DIRECTORY}/work-password"' in header
    compose = COMPOSE.read_text(encoding="utf-8")
    assert re.search(r"^\s+- work_password$", compose, re.MULTILINE)
    assert "/run/secrets/work_password" in compose
    for where, value in (
        ("systemd", "${CREDENTIALS_DIRECTORY}/work-password"),
        ("docker", str(tmp_path / "run" / "secrets" / "work_password")),
    ):
        config = tmp_path / f"{where}.toml"
        config.write_text(
            '[me]\naddresses = ["va@example.com"]\n[[accounts]]\nname = "work"\n'
            'host = "imap.example.com"\nusername = "va@example.com"\n'
            f'password_file = "{value}"\n',
            encoding="utf-8",
        )
        config.chmod(0o600)
        secret = tmp_path / "credentials" / "work-password" if where == "systemd" else Path(value)
        secret.parent.mkdir(parents=True, exist_ok=True)
        secret.write_text(f"pw-{where}\n", encoding="utf-8")
        with pytest.MonkeyPatch.context() as env:
            env.setenv("CREDENTIALS_DIRECTORY", str(tmp_path / "credentials"))
            assert account_password(load_config(config).accounts[0]) == f"pw-{where}"


def test_the_image_user_has_the_fixed_uid_the_compose_file_documents() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    uid = re.search(r"useradd [^\n]*--uid (\d+)", dockerfile)
    assert uid is not None
    assert f"chown {uid.group(1)}" in COMPOSE.read_text(encoding="utf-8")
