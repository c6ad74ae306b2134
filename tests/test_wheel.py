"""The built wheel, installed into a fresh virtualenv outside the repository, works on its own.

Builds the wheel (``pip wheel``, an isolated build as a user's would be), installs it into a
new venv in a temporary folder and runs the console script from yet another folder, with the
platform's config and data folders pointed at throwaway ones:
- the default install is lean: scikit-learn, scipy and psycopg are not installed, and
  ``demo``, ``classify``, ``init`` and ``check-config`` work with the packaged model, sample
  mailbox and example config;
- ``train`` says which extra to install; with ``[train]`` it trains on the packaged data.
Slow (a minute or two: pip installs spaCy and friends into the venv, then a training run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PIP_TIMEOUT_S = 15 * 60


class Installed:
    """The venv the wheel went into, and a way to run its ``inboxwatch`` elsewhere."""

    def __init__(self, root: Path, wheel: Path) -> None:
        self.root = root
        self.wheel = wheel
        self.bin = root / "venv" / "bin"
        self.workdir = root / "elsewhere"
        self.workdir.mkdir()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("INBOXWATCH_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")
        }
        self.env["XDG_CONFIG_HOME"] = str(root / "config")
        self.env["XDG_DATA_HOME"] = str(root / "data")

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "inboxwatch"), *args],
            cwd=self.workdir,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=PIP_TIMEOUT_S,
            check=False,
        )

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "python"), "-c", code],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def pip_install(self, requirement: str) -> None:
        _check([str(self.bin / "pip"), "install", "--quiet", requirement], self.workdir)


def _check(command: list[str], cwd: Path) -> None:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    assert not root.resolve().is_relative_to(REPO)
    _check(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(root / "dist"),
            str(REPO),
        ],
        root,
    )
    (wheel,) = (root / "dist").glob("inboxwatch-*.whl")
    _check([sys.executable, "-m", "venv", str(root / "venv")], root)
    installed = Installed(root, wheel)
    installed.pip_install(str(wheel))
    yield installed


def test_default_install_is_lean_and_reads_its_data_from_the_package(installed: Installed) -> None:
    for module in ("sklearn", "scipy", "psycopg", "joblib"):
        assert installed.python(f"import {module}").returncode != 0, f"{module} is installed"
    home = installed.python("from inboxwatch.config import project_home; print(project_home())")
    assert home.returncode == 0, home.stderr
    bundled = Path(home.stdout.strip())
    assert bundled.is_relative_to(installed.root / "venv") and bundled.name == "bundled"
    for name in (
        "models/classifier.npz",
        "data/sample/sample.mbox",
        "config.example.toml",
        "data/labelled/train-en.jsonl",
    ):
        assert (bundled / name).is_file(), name


def test_demo_runs_from_another_folder(installed: Installed) -> None:
    result = installed.run("demo", "--db", "out/demo.db")
    assert result.returncode == 0, result.stderr
    assert "Acme Kft." in result.stdout
    assert "report --date 2026-11-13" in result.stdout
    assert (installed.workdir / "out" / "demo.db").is_file()
    again = installed.run("--config", "out/demo.toml", "report", "--date", "2026-11-13")
    assert again.returncode == 0 and "Acme Kft." in again.stdout, again.stderr


def test_classify_uses_the_packaged_model_without_training_packages(installed: Installed) -> None:
    line = json.dumps({"id": 1, "subject": "Re: logo", "body": "ASAP!!! need it now, urgent"})
    result = installed.run("classify", stdin=line + "\n")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["id"] == 1 and "urgent" in answer["tags"]


def test_init_then_check_config_in_the_platform_folders(installed: Installed) -> None:
    init = installed.run("init")
    config = installed.root / "config" / "inboxwatch" / "inboxwatch.toml"
    assert init.returncode == 0 and f"wrote {config}" in init.stdout, init.stderr
    installed.env["INBOXWATCH_WORK_PASSWORD"] = "x"  # the password_env of the example
    check = installed.run("check-config")
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"config {config}: OK" in check.stdout
    database = installed.root / "data" / "inboxwatch" / "inboxwatch.db"
    assert f"database: {database} (SQLite)" in check.stdout


def test_train_asks_for_the_extra_then_trains_on_the_packaged_data(installed: Installed) -> None:
    lean = installed.run("train", "--models", "model")
    assert lean.returncode == 1
    assert "pip install 'inboxwatch[train]'" in lean.stderr and "Traceback" not in lean.stderr
    installed.pip_install(f"inboxwatch[train] @ {installed.wheel.as_uri()}")
    home = installed.python("from inboxwatch.config import project_home; print(project_home())")
    data = Path(home.stdout.strip()) / "data" / "labelled"
    result = installed.run("train", "--data", str(data), "--models", "model")
    assert result.returncode == 0, result.stderr
    assert (installed.workdir / "model" / "meta.json").is_file()
    assert "trained model" in result.stdout
