"""Scan detection end to end: a Gozen-like TV on the lab LAN -> Home Assistant's sensors and repair.

The real passive ARP listener runs on Home Assistant's interface into the lab LAN
(found the way a user's install finds it: the route towards the router), the real
router's dnsmasq log carries the PTR and geolocation lookups and the upload's
lookup; lab/gozen.py does what the Skyworth SDK did, once.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from homeassistant.const import STATE_ON
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.const import DOMAIN, EVENT_SCAN_DETECTED
from custom_components.snoop_guard.scanning import upload_issue_id
from lab.netlab import Lab

from .conftest import wait_for

pytestmark = pytest.mark.lab

GOZEN = Path(__file__).resolve().parents[2] / "lab" / "gozen.py"
GOZEN_MAC = "14:11:5d:00:00:77"


def _spawn(argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def test_gozen_sweep_is_caught_within_five_seconds_and_the_upload_repaired(
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry, tmp_path: Path
) -> None:
    coordinator = lab_entry.runtime_data.coordinator
    assert "arp" in coordinator.scan.signals, coordinator.scan.listener_problem
    gozen = lab.add_client("gozen", GOZEN_MAC, "Skyworth-Gozen")
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    lan = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"{lab_entry.unique_id}_{gozen.mac}_lan_scanning"
    )
    assert lan is not None

    seen: list[tuple[float, dict[str, object]]] = []

    @callback
    def _record(event: Event) -> None:
        seen.append((time.monotonic(), dict(event.data)))

    hass.bus.async_listen(EVENT_SCAN_DETECTED, _record)
    ns = lab.netns_of("gozen")
    assert ns is not None
    start = time.monotonic()
    argv = [
        "ip", "netns", "exec", ns, "python3", "-I", "-S", str(GOZEN),
        "--router", lab.info.router_ip, "--cycles", "1", "--interval", "1",
        "--events", str(tmp_path / "gozen.jsonl"),
    ]  # fmt: skip
    phone_ns = lab.netns_of("phone")
    assert phone_ns is not None
    peers = ",".join(d.ip for d in lab.info.devices if d.name in ("tv", "speaker"))
    normal = [
        "ip", "netns", "exec", phone_ns, "python3", "-I", "-S", str(GOZEN), "--normal",
        "--router", lab.info.router_ip, "--interval", "1", "--peers", peers, "--no-dhcp",
    ]  # fmt: skip
    chatter = await hass.async_add_executor_job(_spawn, normal)
    proc = await hass.async_add_executor_job(_spawn, argv)
    try:
        await wait_for(lambda: hass.states.get(lan).state == STATE_ON, within=5)
        detected = time.monotonic() - start
        await wait_for(lambda: any(d.get("kind") == "upload_suspected" for _, d in seen), within=20)
    finally:
        for running in (proc, chatter):
            running.terminate()
            await hass.async_add_executor_job(running.wait, 5)

    kinds = [d["kind"] for _, d in seen if d.get("mac") == gozen.mac]
    assert "lan_scan" in kinds
    assert "wifi_scan" in kinds
    assert detected <= 5
    state = hass.states.get(lan)
    assert state.attributes["hosts_probed"] >= 5
    assert "arp_sweep" in state.attributes["methods"]
    issue_id = upload_issue_id(lab_entry.entry_id, gozen.mac)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    # The phone chattering all along (ARP for the gateway, mDNS, HA-style checks) raised nothing.
    assert {d["mac"] for _, d in seen} == {gozen.mac}
