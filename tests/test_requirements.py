"""Our manifest requirements against Home Assistant core's pins (issue 10, item 5).

Home Assistant installs one version of each package for all integrations. If our
manifest pins a version another (core) integration pins differently, HA reinstalls
the package back and forth at each start. These tests read every core manifest and
HA's package constraints from the installed homeassistant package, and check each
of our requirements can be satisfied together with every one of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import homeassistant
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "custom_components" / "snoop_guard" / "manifest.json"
HA_PACKAGE = Path(homeassistant.__file__).parent


def _exact_pin(spec: SpecifierSet) -> Version | None:
    """The version of a specifier set that is one exact pin (``==X`` or ``===X``)."""
    items = list(spec)
    if len(items) == 1 and items[0].operator in {"==", "==="} and "*" not in items[0].version:
        return Version(items[0].version)
    return None


def _probe_versions(*specs: SpecifierSet) -> Iterator[Version]:
    """Versions at and just past every bound of the given sets (and a floor)."""
    yield Version("0")
    for spec in specs:
        for item in spec:
            raw = item.version.removesuffix(".*")
            try:
                bound = Version(raw)
            except InvalidVersion:
                continue
            yield bound
            yield Version(".".join(str(part) for part in (*bound.release, 1)))


def satisfiable_together(ours: SpecifierSet, theirs: SpecifierSet) -> bool:
    """Whether one version of a package can satisfy both specifier sets.

    An exact pin on either side must be contained in the other set. Two ranges
    are probed at and just past each of their bounds, where an overlap shows.
    """
    for pinned, other in ((_exact_pin(theirs), ours), (_exact_pin(ours), theirs)):
        if pinned is not None:
            return other.contains(pinned, prereleases=True)
    return any(
        ours.contains(version, prereleases=True) and theirs.contains(version, prereleases=True)
        for version in _probe_versions(ours, theirs)
    )


def conflicts(ours: Iterable[Requirement], theirs: Iterable[tuple[str, Requirement]]) -> list[str]:
    """One line for each of our requirements that cannot live with a core one."""
    wanted = {canonicalize_name(req.name): req for req in ours}
    found = []
    for source, req in theirs:
        mine = wanted.get(canonicalize_name(req.name))
        if mine is not None and not satisfiable_together(mine.specifier, req.specifier):
            found.append(f"{mine} conflicts with {req} ({source})")
    return found


def _our_requirements() -> list[Requirement]:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return [Requirement(line) for line in manifest.get("requirements", [])]


def _core_requirements() -> list[tuple[str, Requirement]]:
    """Every requirement of a core integration manifest, and HA's package constraints."""
    found = []
    for path in sorted((HA_PACKAGE / "components").glob("*/manifest.json")):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        found.extend(
            (f"components/{path.parent.name}", Requirement(line))
            for line in manifest.get("requirements", [])
        )
    constraints = HA_PACKAGE / "package_constraints.txt"
    if constraints.is_file():
        for raw in constraints.read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                found.append(("package_constraints.txt", Requirement(line)))
    return found


def test_core_pins_are_read() -> None:
    core = _core_requirements()
    names = {canonicalize_name(req.name) for _, req in core}
    # Hundreds of integrations pin libraries; asyncssh is pinned by sftp_storage and asuswrt.
    assert len(core) > 500
    assert "asyncssh" in names
    assert any(source == "package_constraints.txt" for source, _ in core)


def test_manifest_requirements_satisfiable_with_every_core_pin() -> None:
    ours = _our_requirements()
    assert ours, "the manifest lists the runtime requirements"
    assert conflicts(ours, _core_requirements()) == []


def test_requirements_txt_mirrors_the_manifest() -> None:
    ours = {canonicalize_name(req.name): str(req) for req in _our_requirements()}
    lines = [
        line.split("#", 1)[0].strip()
        for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()
    ]
    runtime = {
        canonicalize_name(Requirement(line).name): line
        for line in lines
        if line and canonicalize_name(Requirement(line).name) in ours
    }
    assert runtime == ours


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        ("==2.24.0", "==2.24.0", True),
        ("==2.24.1", "==2.24.0", False),  # the pin this check was written for
        (">=2.20", "==2.24.0", True),
        (">=2.20,!=2.24.0", "==2.24.0", False),
        ("==2.24.0", ">=2.21", True),
        ("==2.24.0", "<2.24", False),
        (">=3", "<2.5", False),
        (">1,<2", ">=1.5", True),
        ("<2", "!=1.5", True),
        ("", "==1.0", True),
        ("==2.*", "==2.24.0", True),
        ("==3.*", "<2.5", False),
    ],
)
def test_satisfiable_together(ours: str, theirs: str, expected: bool) -> None:
    assert satisfiable_together(SpecifierSet(ours), SpecifierSet(theirs)) is expected


def test_conflicts_name_the_core_source() -> None:
    core = [("components/sftp_storage", Requirement("asyncssh==2.24.0"))]
    assert conflicts([Requirement("AsyncSSH==2.24.1")], core) == [
        "AsyncSSH==2.24.1 conflicts with asyncssh==2.24.0 (components/sftp_storage)"
    ]
    assert conflicts([Requirement("asyncssh==2.24.0")], core) == []
