"""The layers stay one-way: the web layer calls the rest, never the other way round."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "src" / "defasagem"
# The command line starts the server: the one module outside the web layer allowed to import it.
ENTRY_POINTS = {"cli.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_nothing_below_the_web_layer_imports_it() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "api" or str(relative) in ENTRY_POINTS:
            continue
        web = [
            m
            for m in imported_modules(path)
            if m == "defasagem.api" or m.startswith("defasagem.api.")
        ]
        if web:
            offenders.append(f"{relative}: {', '.join(sorted(web))}")
    assert offenders == []


def test_the_check_sees_an_import_of_the_web_layer(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from defasagem.api.app import create_app\nimport defasagem.api\n")
    assert imported_modules(module) == {"defasagem.api.app", "defasagem.api"}
