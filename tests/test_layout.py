"""The layout a newcomer reads: folders by pipeline stage, named in the README, imported only
downwards and without cycles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "inboxwatch"
# Lowest first: a module may import from its own folder, from earlier folders and from the
# top-level modules (""), never from a later folder.
STAGES = (
    "",
    "sources",
    "parsing",
    "classifying",
    "storage",
    "ingest",
    "analysis",
    "reporting",
    "app",
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[dotted.removesuffix(".__init__")] = path
    return found


def _stage(module: str) -> int:
    if module == "inboxwatch.__main__":  # `python -m inboxwatch` is the command line
        return STAGES.index("app")
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 2 else 0


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("inboxwatch"):
            assert node.module is not None
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in modules else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("inboxwatch.")}
    return {name for name in found if name in modules and name != "inboxwatch"}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _development_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme[readme.index("## Development") :]


def test_every_folder_is_a_stage_in_order() -> None:
    folders = {p.parent.name for p in PACKAGE.glob("*/__init__.py")} - {"migrations"}
    assert folders == set(STAGES) - {""}


def test_the_readme_module_map_names_every_folder_and_module() -> None:
    section = _development_section()
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `inboxwatch/(\w*)/?`[^|]*\|(.*)\|$", section, re.MULTILINE)
    }
    for folder in STAGES:
        assert folder in rows, f"the README's module map has no row for inboxwatch/{folder}"
        directory = PACKAGE / folder if folder else PACKAGE
        for path in directory.glob("*.py"):
            if path.stem != "__init__":
                assert f"`{path.stem}`" in rows[folder], f"{path} is not in the module map"
        for sub in directory.glob("*/__init__.py"):
            if sub.parent.name not in STAGES:
                assert f"`{sub.parent.name}`" in rows[folder], f"{sub.parent} is not named"


def test_no_module_imports_a_later_stage() -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if _stage(target) > _stage(module)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, path)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert cycles == []
