"""Diagnostics: useful for support, nothing identifying, whatever the configuration."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.snoop_guard.backends.base import RouterClient
from custom_components.snoop_guard.backends.linux_ssh import host_key_fingerprint
from custom_components.snoop_guard.const import (
    CONF_ALLOW_OVERRIDES,
    CONF_ALLOWED_SCANNERS,
    CONF_EXCLUDE,
    CONF_HOST_KEY,
    CONF_INCLUDE,
    CONF_KINDS,
    CONF_PRIVATE_KEY,
    CONF_SCAN_INTERFACE,
    CONF_STALE_DAYS,
    CONF_SUBSCRIPTIONS,
    CONF_SWEEP_MIN_TARGETS,
    CONF_SWEEP_WINDOW,
    CONF_UPLOAD_WINDOW,
    DOMAIN,
)
from custom_components.snoop_guard.diagnostics import (
    _Redactor,
    async_get_config_entry_diagnostics,
)
from custom_components.snoop_guard.engine.allowlist import FUNCTIONAL_ALLOW
from custom_components.snoop_guard.engine.discovery import DhcpRecord, MdnsRecord, SsdpRecord
from tests.fakes import FakeRouter

from .conftest import LAPTOP_IP, LAPTOP_MAC, SPEAKER_IP, SPEAKER_MAC, TV_IP, TV_MAC, ListServer

LogLine = Callable[..., str]

ENTRY_ID = "01JDIAGNOSTICSFIXTURE00001"
ROUTER_HOST = "gw.smith-family.example"
TITLE = "smith-gateway-7"
PASSWORD = "correct-horse-battery-staple"
TV_IPV6 = "fd00:5e:18::150"
ALWAYS_MAC = "a4:5e:60:12:34:56"  # always watched, never seen
SCANNER_MAC = "02:42:ac:11:00:02"  # a declared scanner, never seen
PRIVATE_HOST = "lists.smith-family.example"
PRIVATE_TOKEN = "Zx9TokenForMyPrivateListsQ7"
PRIVATE_URL = f"https://{PRIVATE_HOST}/feeds/{PRIVATE_TOKEN}/tv.txt?token=second-secret-42"
PRIVATE_ERROR = (
    f"download failed: Cannot connect to host {PRIVATE_HOST}:443 ssl:default"
    " [Name or service not known]"
)
NAMES = (
    "Skyworth-TV",
    "Sonos-Kitchen",
    "work-laptop",
    "Alices-Bravia",
    "Alice's Living Room TV",
    "Kitchen Sonos One",
    "kids-tablet",
    "Bob's Den",
)


def _mac_notations(mac: str) -> set[str]:
    bare = mac.replace(":", "")
    forms = {mac, mac.replace(":", "-"), bare, ".".join(bare[i : i + 4] for i in (0, 4, 8))}
    return forms | {form.upper() for form in forms}


def _ptr_sweep(log_line: LogLine, ip: str, count: int) -> list[str]:
    return [log_line(ip, f"{host}.5.18.198.in-addr.arpa", "PTR") for host in range(10, 10 + count)]


@pytest.fixture
def hass_config_dir(tmp_path: Path) -> str:
    """A configuration directory of this test's own (the entry id below is fixed)."""
    return str(tmp_path)


@pytest.fixture
def full_entry(
    hass: HomeAssistant,
    entry_data: dict[str, object],
    server: ListServer,
    hass_storage: dict[str, Any],
) -> MockConfigEntry:
    """An entry with every option set, a password, a key and three subscribed lists."""
    token_url = f"{server.url}?token=TokenInTheQuery0123"
    userinfo_url = server.url.replace("http://", "http://listuser:hunter2-list-pass@")
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=ENTRY_ID,
        title=TITLE,
        data=entry_data | {CONF_HOST: ROUTER_HOST, CONF_PASSWORD: PASSWORD},
        unique_id=host_key_fingerprint(str(entry_data[CONF_HOST_KEY])),
        options={
            CONF_KINDS: ["tv", "streamer", "speaker", "other"],
            CONF_INCLUDE: [ALWAYS_MAC, TV_MAC],
            CONF_EXCLUDE: [LAPTOP_MAC],
            CONF_STALE_DAYS: 7,
            CONF_SUBSCRIPTIONS: [token_url, userinfo_url, PRIVATE_URL],
            CONF_ALLOW_OVERRIDES: [FUNCTIONAL_ALLOW[0].id],
            CONF_SCAN_INTERFACE: "eth0",
            CONF_ALLOWED_SCANNERS: [SCANNER_MAC, SPEAKER_MAC],
            CONF_SWEEP_MIN_TARGETS: 6,
            CONF_SWEEP_WINDOW: 40,
            CONF_UPLOAD_WINDOW: 15,
        },
    )
    entry.add_to_hass(hass)
    # The private list failed an hour ago (a host that does not resolve here either);
    # it is not due again, so the test never reaches for the network.
    hass_storage[f"{DOMAIN}.{ENTRY_ID}.lists"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{ENTRY_ID}.lists",
        "data": {
            "lists": {
                PRIVATE_URL: {
                    "url": PRIVATE_URL,
                    "checked": "2099-01-01T00:00:00+00:00",
                    "failing_since": "2099-01-01T00:00:00+00:00",
                    "last_error": PRIVATE_ERROR,
                }
            }
        },
    }
    return entry


async def _lists_fetched(entry: MockConfigEntry) -> None:
    """Wait for the start-up fetch of the subscribed lists (a background task)."""
    tasks = [t for t in entry._background_tasks if t.get_name().endswith("tracker lists")]
    await asyncio.gather(*tasks)


async def _configured(
    hass: HomeAssistant, entry: MockConfigEntry, router: FakeRouter, log_line: LogLine
) -> None:
    """Set up, discover, count, block and see a scan: everything diagnostics report."""
    router.clients = [
        RouterClient(mac=TV_MAC, ips=(TV_IP, TV_IPV6), hostname="Skyworth-TV", interface="br0"),
        RouterClient(mac=SPEAKER_MAC, ips=(SPEAKER_IP,), hostname="Sonos-Kitchen"),
        RouterClient(mac=LAPTOP_MAC, ips=(LAPTOP_IP,), hostname="work-laptop"),
    ]
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await _lists_fetched(entry)
    coordinator = entry.runtime_data.coordinator
    coordinator.async_discovered(
        MdnsRecord(
            service_type="_airplay._tcp.local.",
            name="Alice's Living Room TV._airplay._tcp.local.",
            hostname="Alices-Bravia.local.",
            addresses=(TV_IP,),
            properties={"deviceid": TV_MAC.upper(), "model": "BRAVIA 4K", "fn": "Bob's Den"},
        )
    )
    coordinator.async_discovered(
        SsdpRecord(
            st="urn:schemas-upnp-org:device:ZonePlayer:1",
            usn=f"uuid:RINCON_{SPEAKER_MAC.replace(':', '').upper()}01400::upnp:rootdevice",
            location=f"http://{SPEAKER_IP}:1400/xml/device_description.xml",
            manufacturer="Sonos, Inc.",
            friendly_name="Kitchen Sonos One",
            ip=SPEAKER_IP,
        )
    )
    coordinator.async_discovered(
        DhcpRecord(mac="3e:11:22:33:44:55", ip="198.18.5.170", hostname="kids-tablet")
    )
    for line in (
        log_line(TV_IP, "gz-data.com"),
        log_line(SPEAKER_IP, "samba.tv"),
        *_ptr_sweep(log_line, TV_IP, 12),
    ):
        router.log(line)
    await hass.async_block_till_done()
    await coordinator.async_set_block(TV_MAC, trackers=True)
    await coordinator.async_set_block(SPEAKER_MAC, internet=True)


async def _download(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> str:
    """The diagnostics file exactly as the user downloads it (HA's wrapper included)."""
    assert await async_setup_component(hass, "diagnostics", {})
    client = await hass_client()
    response = await client.get(f"/api/diagnostics/config_entry/{entry.entry_id}")
    assert response.status == HTTPStatus.OK
    return json.dumps(await response.json())


def _identifying(entry: MockConfigEntry) -> set[str]:
    """Every MAC (all notations), address, name, URL and secret of the fixture."""
    data = entry.data
    macs = (TV_MAC, SPEAKER_MAC, LAPTOP_MAC, ALWAYS_MAC, SCANNER_MAC, "3e:11:22:33:44:55")
    found = {form for mac in macs for form in _mac_notations(mac)}
    found |= {TV_IP, SPEAKER_IP, LAPTOP_IP, "198.18.5.170", TV_IPV6, "198.18.5.15", "127.0.0.1"}
    found |= {"fd00:5e:18:0:0:0:0:150", "150.5.18.198"}
    found |= {*NAMES, ROUTER_HOST, TITLE, "fake-router", PRIVATE_HOST}
    found |= set(entry.options[CONF_SUBSCRIPTIONS])
    found |= {PRIVATE_TOKEN, "second-secret-42", "TokenInTheQuery0123", "hunter2-list-pass"}
    key = str(data[CONF_PRIVATE_KEY])
    host_key = str(data[CONF_HOST_KEY])
    found |= {PASSWORD, key, host_key, host_key.split()[1], str(entry.unique_id)}
    found |= {line for line in key.splitlines() if line and not line.startswith("-----")}
    return found


async def test_nothing_identifying_in_a_fully_configured_download(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    full_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
) -> None:
    await _configured(hass, full_entry, patch_backend, log_line)
    text = await _download(hass, hass_client, full_entry)
    lowered = text.lower()
    leaks = sorted(s for s in _identifying(full_entry) if s.lower() in lowered)
    assert leaks == []

    # Still useful: the same labels everywhere, the lists' status, the evidence.
    diag = json.loads(text)["data"]
    options = diag["entry"]["options"]
    tv = next(label for label, d in diag["devices"].items() if d["kind"] == "tv")
    assert tv in options[CONF_INCLUDE]
    assert options[CONF_SUBSCRIPTIONS] == ["list_0", "list_1", "list_2"]
    assert options[CONF_SCAN_INTERFACE] == "eth0"
    assert diag["router"]["enforced"]["block_trackers"] == [tv]
    lists = {item["url"]: item for item in diag["knowledge"]["subscriptions"]}
    assert lists["list_0"]["rules"] > 0
    assert lists["list_2"]["last_error"].startswith("download failed: Cannot connect to host host_")
    assert diag["devices"][tv]["contacts_24h"] == 1
    assert any(f"claims MAC {tv}" in item for item in diag["devices"][tv]["evidence"])
    assert diag["entry"]["data"][CONF_PASSWORD] == "**REDACTED**"


async def test_nothing_identifying_after_a_suspected_upload(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    full_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: LogLine,
) -> None:
    await _configured(hass, full_entry, patch_backend, log_line)
    patch_backend.log(log_line(TV_IP, "api.gz-data.com"))
    await hass.async_block_till_done()
    text = (await _download(hass, hass_client, full_entry)).lower()
    assert sorted(s for s in _identifying(full_entry) if s.lower() in text) == []


async def test_diagnostics_are_redacted(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter, log_line
) -> None:
    patch_backend.log(log_line(TV_IP, "gz-data.com"))
    await hass.async_block_till_done()
    await setup_entry.runtime_data.coordinator.async_set_block(TV_MAC, trackers=True)

    diag = await async_get_config_entry_diagnostics(hass, setup_entry)
    text = json.dumps(diag)
    for secret in (TV_MAC, SPEAKER_MAC, TV_IP, "Skyworth-TV", "198.18.5.1", "PRIVATE KEY"):
        assert secret not in text
    assert diag["entry"]["data"]["private_key"] == "**REDACTED**"
    assert diag["router"]["enforced"]["in_sync"] is True
    tv = next(d for d in diag["devices"].values() if d["kind"] == "tv")
    assert tv["contacts_24h"] == 1
    assert tv["companies"] == {"Gozen Data": 1}
    assert tv["block_trackers"] is True
    assert diag["router"]["log_lines"]["parsed"] >= 1
    # The router's default name identifies nobody and is left alone.
    assert "router" in diag


def test_values_are_found_wherever_they_are() -> None:
    """Keys, free text, any notation: what another part adds later is covered too."""
    redactor = _Redactor(keep_urls={"https://github.com/Perflyst/PiHoleBlocklist"})
    redactor.mac(TV_MAC)
    redactor.name("Skyworth-TV")
    assert redactor.url(PRIVATE_URL) == "list_0"
    data = {
        TV_MAC.replace(":", "").upper(): {
            "seen": f"{TV_IP} and [{TV_IPV6}] via http://{TV_IP}:8008/setup/eureka_info",
            "claims": f"{TV_MAC.replace(':', '-').upper()} / 58b4.2d11.2233",
            "other": "aa:bb:cc:00:11:22 at 10.1.2.3",
            "upstream": "https://github.com/Perflyst/PiHoleBlocklist",
            "host": "SKYWORTH-TV.local",
            "error": f"GET {PRIVATE_URL} failed; retried {PRIVATE_HOST} with {PRIVATE_TOKEN}",
            "not identifying": ["01:47:44", "OUI 58:B4:2D", "22d719cde872", "v1.2.3"],
        }
    }
    redactor.learn(data)
    assert redactor.scrub(data) == {
        "device_0": {
            "seen": "address_0 and [address_1] via url_0",
            "claims": "device_0 / device_0",
            "other": "device_1 at address_2",
            "upstream": "https://github.com/Perflyst/PiHoleBlocklist",
            "host": "host_0.local",
            "error": "GET list_0 failed; retried host_1 with **REDACTED**",
            "not identifying": ["01:47:44", "OUI 58:B4:2D", "22d719cde872", "v1.2.3"],
        }
    }
