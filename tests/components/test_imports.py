"""No import circles in the Home Assistant glue, not even through type hints.

``tests/engine/test_imports.py`` checks the imports that run. A circle made of
``if TYPE_CHECKING:`` imports runs nothing, yet it is the same tangle: two modules
that each need the other to be understood (the coordinator and the scan monitor
once were). Here the same graph is read with every import statement counted.
"""

from __future__ import annotations

import ast

import pytest

from tests.engine import test_imports as imports

PACKAGE = imports.PACKAGE


@pytest.fixture
def every_import(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """The import graph with ``if TYPE_CHECKING:`` bodies counted too."""

    def _never(test: ast.expr) -> bool:
        return False

    monkeypatch.setattr(imports, "_is_type_checking", _never)
    return imports._graph()


def test_type_only_imports_are_seen(every_import: dict[str, set[str]]) -> None:
    # device_owner names TrackedDevice in hints only.
    assert f"{PACKAGE}.tracking" in every_import[f"{PACKAGE}.device_owner"]


def test_the_glue_has_no_import_circles_even_through_type_hints(
    every_import: dict[str, set[str]],
) -> None:
    assert imports._cycles(every_import) == []


def test_the_parts_never_import_the_coordinator_or_the_runtime_data(
    every_import: dict[str, set[str]],
) -> None:
    """The coordinator wires the parts; they get what they need injected."""
    hub = {f"{PACKAGE}.coordinator", f"{PACKAGE}.runtime"}
    for part in ("scanning", "device_owner", "events", "policies", "tracking", "dnsfeed"):
        assert not every_import[f"{PACKAGE}.{part}"] & hub, part
