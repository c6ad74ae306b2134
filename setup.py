"""Build hook: put the bundled files into the wheel as package data.

The model (``models/``), the sample mailbox (``data/sample``), the labelled data ``train``
needs (``data/labelled/*.jsonl``, ``data/real/*.jsonl``) and ``config.example.toml`` stay at
the top of the repository, where people and tools look for them. At build time they are
copied, in the same layout, into ``inboxwatch/bundled/`` of the wheel, where
``inboxwatch.config.project_home`` finds them through ``importlib.resources``. An editable
install reads them from the checkout instead. Everything else is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# (folder in the repository, file patterns): copied to inboxwatch/bundled/<folder>/.
BUNDLED = (
    ("models", ("*.npz", "*.json", "*.md")),
    ("data/sample", ("*.mbox", "*.csv", "*.toml", "README.md")),
    ("data/labelled", ("*.jsonl",)),
    ("data/real", ("*.jsonl",)),
    ("data", ("DATASHEET.md",)),
    (".", ("config.example.toml",)),
)


def bundled_files() -> list[Path]:
    """The repository files that go into the package, relative to the repository."""
    found = []
    for folder, patterns in BUNDLED:
        for pattern in patterns:
            found.extend(path.relative_to(ROOT) for path in sorted((ROOT / folder).glob(pattern)))
    return found


class BuildWithBundle(build_py):
    """``build_py`` that also copies the bundled files (not in editable mode)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "inboxwatch" / "bundled"
        shutil.rmtree(target, ignore_errors=True)  # no stale file from an earlier build
        for relative in bundled_files():
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / relative, destination)


setup(cmdclass={"build_py": BuildWithBundle})
