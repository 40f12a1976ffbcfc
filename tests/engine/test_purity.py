"""The engine stays independent of Home Assistant and of third-party packages."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from custom_components.snoop_guard import engine

ENGINE_DIR = Path(engine.__file__).parent
SOURCES = sorted(ENGINE_DIR.rglob("*.py"))  # subpackages (discovery/, scan/) too


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ENGINE_DIR)))
def test_engine_imports_only_stdlib_and_itself(source: Path) -> None:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    depth = len(source.relative_to(ENGINE_DIR).parts) - 1  # 0: engine/x.py, 1: engine/scan/x.py
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 0:
                # relative import: it must stay inside the engine
                assert node.level <= depth + 1, f"{source.name} imports from outside the engine"
                continue
            modules = [node.module or ""]
        else:
            continue
        for module in modules:
            top = module.split(".")[0]
            assert top in sys.stdlib_module_names, f"{source.name} imports {module}"
