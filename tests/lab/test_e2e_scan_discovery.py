"""Discovery-only scanners end to end: mDNS / SSDP enumerators on the lab LAN -> sensors.

The real discovery listener runs on Home Assistant's interface into the lab LAN
(found like a user's install finds it). The lab's TV, speaker and Chromecast
announce themselves and answer. lab/enumerate.py runs, once each, an SDK that
enumerates the LAN with mDNS queries only (meta query, 25 service types, their
instances) and one with SSDP ``M-SEARCH`` only (``ssdp:all`` and
``upnp:rootdevice``, three rounds), while another client does ordinary cast and
AirPlay discovery and the phone chatters (``lab/gozen.py --normal``). Neither
enumerator sends a single ARP request or DNS query, so only the new listener can
see them. A third client sweeps a ULA /64 with IPv6 neighbour solicitations.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from homeassistant.const import STATE_ON
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.const import DOMAIN, EVENT_SCAN_DETECTED
from lab.netlab import Lab

from .conftest import wait_for

pytestmark = pytest.mark.lab

LAB = Path(__file__).resolve().parents[2] / "lab"
MDNS_MAC = "14:11:5d:00:01:71"
SSDP_MAC = "14:11:5d:00:01:72"
CASTER_MAC = "ac:de:48:00:01:73"
NDP_MAC = "14:11:5d:00:01:74"


def _spawn(argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _events(path: Path, kind: str) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in path.read_text().splitlines() if line]
    return [r for r in records if r["event"] == kind]


def _scan_monitor(entry: MockConfigEntry) -> Any:
    data = entry.runtime_data
    return data.scan if hasattr(data, "scan") else data.coordinator.scan


async def test_mdns_and_ssdp_enumerators_are_caught_and_cast_discovery_is_not(
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry, tmp_path: Path
) -> None:
    scan = _scan_monitor(lab_entry)
    assert "discovery" in scan.signals, scan.discovery.problem
    await hass.async_add_executor_job(lab.start_announce, 1.0)
    clients = {
        "mdns": lab.add_client("mdnsenum", MDNS_MAC, "Smart-TV-mdns"),
        "ssdp": lab.add_client("ssdpenum", SSDP_MAC, "Smart-TV-ssdp"),
        "ordinary": lab.add_client("caster", CASTER_MAC, "iPhone"),
    }
    await lab_entry.runtime_data.async_refresh() if hasattr(
        lab_entry.runtime_data, "async_refresh"
    ) else await lab_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    sensors = {
        mode: registry.async_get_entity_id(
            "binary_sensor", DOMAIN, f"{lab_entry.unique_id}_{client.mac}_lan_scanning"
        )
        for mode, client in clients.items()
        if mode != "ordinary"  # an "iPhone" gets no entities; the detector is asked below
    }
    assert all(sensors.values()), sensors

    seen: list[dict[str, Any]] = []

    @callback
    def _record(event: Event) -> None:
        seen.append(dict(event.data))

    hass.bus.async_listen(EVENT_SCAN_DETECTED, _record)

    def argv(device: str, *extra: str) -> list[str]:
        ns = lab.netns_of(device)
        assert ns is not None
        return ["ip", "netns", "exec", ns, sys.executable, "-I", "-S", *extra]

    enumerate_py = str(LAB / "enumerate.py")
    phone_peers = ",".join(d.ip for d in lab.info.devices if d.name in ("tv", "speaker"))
    commands = {
        "ordinary": argv("caster", enumerate_py, "--mode", "ordinary", "--cycles", "2",
                         "--interval", "8", "--events", str(tmp_path / "ordinary.jsonl")),
        "phone": argv("phone", str(LAB / "gozen.py"), "--normal", "--router",
                      lab.info.router_ip, "--interval", "1", "--peers", phone_peers,
                      "--no-dhcp"),
        "mdns": argv("mdnsenum", enumerate_py, "--mode", "mdns",
                     "--events", str(tmp_path / "mdns.jsonl")),
        "ssdp": argv("ssdpenum", enumerate_py, "--mode", "ssdp",
                     "--events", str(tmp_path / "ssdp.jsonl")),
    }  # fmt: skip
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands.items():
            procs[name] = await hass.async_add_executor_job(_spawn, command)
        start = time.monotonic()

        def flagged(mode: str) -> bool:
            state = hass.states.get(sensors[mode] or "")
            return state is not None and state.state == STATE_ON

        # One enumeration cycle lasts about 1.5 s (mDNS) and 3 s (SSDP).
        await wait_for(lambda: flagged("mdns") and flagged("ssdp"), within=10)
        detected = time.monotonic() - start
        for name in ("mdns", "ssdp"):
            assert await hass.async_add_executor_job(procs[name].wait, 10) == 0
        # the ordinary discovery ran two full cycles (RFC 6762 pacing: 0, 1, 3, 7 s)
        assert await hass.async_add_executor_job(procs["ordinary"].wait, 30) == 0
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
            await hass.async_add_executor_job(proc.wait, 5)
        await hass.async_add_executor_job(lab.stop_announce)

    assert detected <= 10
    # Every scanner really talked to the lab's devices (the negative too).
    (mdns_run,) = _events(tmp_path / "mdns.jsonl", "mdns_enumeration")
    (ssdp_run,) = _events(tmp_path / "ssdp.jsonl", "ssdp_enumeration")
    ordinary_runs = _events(tmp_path / "ordinary.jsonl", "ordinary_discovery")
    assert len(mdns_run["instances"]) >= 3
    assert len(ssdp_run["responders"]) >= 2
    assert len(ordinary_runs) == 2
    assert all(run["instances"] for run in ordinary_runs)
    mdns = hass.states.get(sensors["mdns"] or "")
    ssdp = hass.states.get(sensors["ssdp"] or "")
    assert mdns is not None
    assert ssdp is not None
    assert mdns.attributes["methods"] == ["mdns"]
    assert ssdp.attributes["methods"] == ["ssdp"]
    assert not scan.state(clients["ordinary"].mac).lan_scanning
    # Only the enumerators were reported: not the caster, the phone or the announcing devices.
    assert {d["mac"] for d in seen} == {clients["mdns"].mac, clients["ssdp"].mac}
    rules = {d["mac"]: str(d.get("evidence", {}).get("rule", "")) for d in seen}
    assert "service type enumeration" in rules[clients["mdns"].mac]
    assert "M-SEARCH for all devices" in rules[clients["ssdp"].mac]


async def test_ipv6_neighbour_solicitation_sweep_is_caught(
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry, tmp_path: Path
) -> None:
    scan = _scan_monitor(lab_entry)
    assert "discovery" in scan.signals, scan.discovery.problem
    sweeper = lab.add_client("ndpenum", NDP_MAC, "Smart-TV-ndp")
    seen: list[dict[str, Any]] = []

    @callback
    def _record(event: Event) -> None:
        seen.append(dict(event.data))

    hass.bus.async_listen(EVENT_SCAN_DETECTED, _record)
    ns = lab.netns_of("ndpenum")
    assert ns is not None
    command = ["ip", "netns", "exec", ns, sys.executable, "-I", "-S", str(LAB / "enumerate.py")]
    command += ["--mode", "ndp", "--events", str(tmp_path / "ndp.jsonl")]
    proc = await hass.async_add_executor_job(_spawn, command)
    try:
        await wait_for(lambda: any(d["mac"] == sweeper.mac for d in seen), within=10)
        assert await hass.async_add_executor_job(proc.wait, 10) == 0
    finally:
        if proc.poll() is None:
            proc.terminate()
        await hass.async_add_executor_job(proc.wait, 5)
    (event,) = [d for d in seen if d["mac"] == sweeper.mac]
    assert event["kind"] == "lan_scan"
    assert event["methods"] == ["ndp_sweep"]
    assert event["evidence"]["hosts_probed"] >= 5
    assert scan.state(sweeper.mac).lan_scanning
