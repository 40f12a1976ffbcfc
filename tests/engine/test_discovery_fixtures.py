"""The discovery fixture table: real-world announcements with the expected kind and vendor.

``load_fixtures()``, ``fixture_records()`` and ``dhcp_only()`` are also used by
benchmarks/bench_classify.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.snoop_guard.engine.classify import DeviceKind
from custom_components.snoop_guard.engine.discovery import (
    DeviceInventory,
    DhcpRecord,
    DiscoveryRecord,
    MdnsRecord,
    SsdpRecord,
    classify,
)

FIXTURES = Path(__file__).parent / "fixtures" / "discovery" / "fixtures.json"
SEEN = 1_700_000_000.0


def load_fixtures() -> list[dict[str, Any]]:
    data = json.loads(FIXTURES.read_text(encoding="utf-8"))
    fixtures: list[dict[str, Any]] = data["fixtures"]
    return fixtures


def fixture_records(fixture: dict[str, Any], ip: str = "192.0.2.10") -> list[DiscoveryRecord]:
    """Turn one fixture into the records the HA side would hand to the engine."""
    records: list[DiscoveryRecord] = [
        MdnsRecord(
            service_type=entry["type"],
            name=entry.get("name", ""),
            hostname=entry.get("hostname"),
            addresses=(ip,),
            properties=entry.get("properties", {}),
            seen=SEEN,
        )
        for entry in fixture.get("mdns", [])
    ]
    for entry in fixture.get("ssdp", []):
        record = SsdpRecord(
            st=entry.get("st", ""),
            usn=entry.get("usn", ""),
            server=entry.get("server", ""),
            location=entry.get("location", ""),
            ip=ip,
            seen=SEEN,
        )
        records.append(record.with_upnp(entry.get("upnp")))
    dhcp = fixture.get("dhcp")
    if dhcp:
        records.append(
            DhcpRecord(
                mac=fixture["mac"],
                ip=ip,
                hostname=dhcp.get("hostname"),
                vendor_class=dhcp.get("vendor_class"),
                seen=SEEN,
            )
        )
    return records


def dhcp_only(records: list[DiscoveryRecord]) -> list[DiscoveryRecord]:
    """What the router alone knows of a device: its DHCP request (host name, vendor class)."""
    return [r for r in records if isinstance(r, DhcpRecord)]


FIXTURE_LIST = load_fixtures()


def test_fixture_table_is_big_and_varied() -> None:
    assert len(FIXTURE_LIST) >= 50
    kinds = [f["expect"]["kind"] for f in FIXTURE_LIST]
    assert kinds.count("other") >= 10
    for kind in ("tv", "streamer", "speaker"):
        assert kinds.count(kind) >= 10
    ids = [f["id"] for f in FIXTURE_LIST]
    assert len(ids) == len(set(ids))


def _accuracy() -> tuple[float, list[str]]:
    wrong: list[str] = []
    for fixture in FIXTURE_LIST:
        result = classify(fixture_records(fixture), fixture["mac"])
        want = fixture["expect"]
        if result.kind != want["kind"] or result.vendor != want["vendor"]:
            wrong.append(
                f"{fixture['id']}: got {result.kind}/{result.vendor}, want "
                f"{want['kind']}/{want['vendor']} ({'; '.join(result.evidence[:4])})"
            )
    return 1 - len(wrong) / len(FIXTURE_LIST), wrong


def test_accuracy_on_fixtures_is_at_least_90_percent() -> None:
    accuracy, wrong = _accuracy()
    assert accuracy >= 0.9, "\n".join(wrong)


def test_kind_accuracy_beats_hostname_baseline() -> None:
    ours = baseline = 0
    for fixture in FIXTURE_LIST:
        want = DeviceKind(fixture["expect"]["kind"])
        records = fixture_records(fixture)
        ours += classify(records, fixture["mac"]).kind is want
        baseline += classify(dhcp_only(records), fixture["mac"]).kind is want
    assert ours > baseline


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=lambda f: f["id"])
def test_fixture(fixture: dict[str, Any]) -> None:
    result = classify(fixture_records(fixture), fixture["mac"])
    assert 0.0 < result.confidence <= 1.0
    assert result.evidence, "a classification always explains itself"
    assert all(isinstance(e, str) and "\n" not in e and len(e) <= 160 for e in result.evidence)
    want = fixture["expect"]
    if "model" in want:
        assert result.model == want["model"]
    # the same records through the inventory give the same answer
    inventory = DeviceInventory()
    for record in fixture_records(fixture):
        inventory.add(record)
    inventory.update_neighbours({"192.0.2.10": fixture["mac"]})
    device = inventory.get(fixture["mac"])
    assert device is not None
    assert (device.kind, device.vendor) == (result.kind, result.vendor)
