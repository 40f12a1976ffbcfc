"""The engine stays independent of Home Assistant and of third-party packages."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from custom_components.snoop_guard import engine

ENGINE_DIR = Path(engine.__file__).parent
SOURCES = sorted(ENGINE_DIR.glob("*.py"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_engine_imports_only_stdlib_and_itself(source: Path) -> None:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 0:
                continue  # relative import inside the engine
            modules = [node.module or ""]
        else:
            continue
        for module in modules:
            top = module.split(".")[0]
            assert top in sys.stdlib_module_names, f"{source.name} imports {module}"
