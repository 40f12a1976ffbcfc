"""Discovery end to end: the lab's TV, streamer and speaker announce themselves -> entities.

mDNS is heard through python-zeroconf bound to Home Assistant's lab interface only
(HA's own zeroconf integration binds every interface, which must not reach the real
network from a test). SSDP is searched from the same interface with lab/announce.py,
and each device's description XML is parsed by our safe parser, as HA's SSDP
integration hands it to us.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from zeroconf.asyncio import AsyncZeroconf

from custom_components.snoop_guard.backends.linux_ssh import host_key_fingerprint
from custom_components.snoop_guard.const import DOMAIN
from custom_components.snoop_guard.engine.discovery import SsdpRecord
from custom_components.snoop_guard.watchers import DiscoveryWatchers
from lab.netlab import Lab
from lab.upnp_description import parse_device_description, with_description

from .conftest import entry_data_for, wait_for

pytestmark = pytest.mark.lab

ANNOUNCE = Path(__file__).resolve().parents[2] / "lab" / "announce.py"


def _ssdp_records(lab: Lab) -> list[SsdpRecord]:
    """M-SEARCH from HA's lab interface, then fetch each description (lab addresses only)."""
    info = lab.info
    search = subprocess.run(
        [sys.executable, str(ANNOUNCE), "ssdp-search", "--bind-ip", info.host_ip,
         "--iface", info.host_iface, "--timeout", "2"],
        capture_output=True, text=True, timeout=20, check=True,
    )  # fmt: skip
    records: list[SsdpRecord] = []
    descriptions: dict[str, bytes] = {}
    for answer in json.loads(search.stdout):
        headers = answer["headers"]
        location = headers.get("LOCATION", "")
        if location not in descriptions:
            fetched = subprocess.run(
                [sys.executable, str(ANNOUNCE), "fetch", location],
                capture_output=True, timeout=20, check=False,
            )  # fmt: skip
            descriptions[location] = fetched.stdout
        description, _ = parse_device_description(descriptions[location])
        record = SsdpRecord(
            st=headers.get("ST", ""),
            usn=headers.get("USN", ""),
            server=headers.get("SERVER", ""),
            location=location,
        )
        records.append(with_description(record, description))
    return records


def _attrs(hass: HomeAssistant, entry: MockConfigEntry, mac: str) -> dict[str, object]:
    entity = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.unique_id}_{mac}_tracker_contacts"
    )
    if entity is None or (state := hass.states.get(entity)) is None:
        return {}
    return dict(state.attributes)


async def test_real_announcements_classify_and_join_the_cast_device(
    hass: HomeAssistant, lab: Lab, lab_sockets: None
) -> None:
    info = lab.info
    devices = {d.name: d for d in info.devices}
    # The Cast integration already knows the streamer.
    cast = MockConfigEntry(domain="cast")
    cast.add_to_hass(hass)
    cast_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=cast.entry_id,
        connections={(dr.CONNECTION_NETWORK_MAC, devices["streamer"].mac)},
        identifiers={("cast", "lab-chromecast")},
        name="Lab Chromecast",
    )

    entry = MockConfigEntry(
        domain=DOMAIN, data=entry_data_for(info), unique_id=host_key_fingerprint(info.ssh_host_key)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinator

    await hass.async_add_executor_job(lab.start_announce, 1.0)
    aiozc = AsyncZeroconf(interfaces=[info.host_ip])
    watchers = DiscoveryWatchers(hass, coordinator.async_discovered, zeroconf=aiozc.zeroconf)
    try:
        await watchers.async_start()
        for record in await hass.async_add_executor_job(_ssdp_records, lab):
            coordinator.async_discovered(record)

        def classified() -> bool:
            tv = _attrs(hass, entry, devices["tv"].mac)
            speaker = _attrs(hass, entry, devices["speaker"].mac)
            streamer = _attrs(hass, entry, devices["streamer"].mac)
            return (
                (tv.get("kind"), tv.get("vendor")) == ("tv", "Skyworth")
                and (speaker.get("kind"), speaker.get("vendor")) == ("speaker", "Sonos")
                and (streamer.get("kind"), streamer.get("vendor")) == ("streamer", "Google")
                and any("md=Chromecast" in e for e in streamer.get("evidence", []))  # type: ignore[attr-defined]
            )

        await wait_for(classified, within=15)
    finally:
        await watchers.async_stop()
        await aiozc.async_close()
        await hass.async_add_executor_job(lab.stop_announce)

    tv = _attrs(hass, entry, devices["tv"].mac)
    assert any("SSDP" in e for e in tv["evidence"])  # type: ignore[attr-defined]
    # Our entities joined the Cast device; no second device for the streamer.
    block = er.async_get(hass).async_get_entity_id(
        "switch", DOMAIN, f"{entry.unique_id}_{devices['streamer'].mac}_block_trackers"
    )
    assert block is not None
    assert er.async_get(hass).async_get(block).device_id == cast_device.id  # type: ignore[union-attr]
    assert (
        dr.async_get(hass).async_get_device_by_connection(
            (dr.CONNECTION_NETWORK_MAC, devices["streamer"].mac), entry.entry_id
        )
        is None
    )
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
