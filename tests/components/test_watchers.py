"""Discovery sources never hold up Snoop Guard: late loads, hangs, failures, unload."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from defusedxml import EntitiesForbidden
from homeassistant.components.dhcp.models import DATA_DHCP, DHCPData, DhcpMatchers
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_COMPONENT_LOADED
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.service_info.ssdp import SsdpServiceInfo
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.snoop_guard.backends.base import RouterClient
from custom_components.snoop_guard.diagnostics import async_get_config_entry_diagnostics
from custom_components.snoop_guard.watchers import MDNS_TYPES, RETRY_AFTER, START_TIMEOUT
from tests.fakes import FakeRouter

from .conftest import TV_IP, TV_MAC, query_line
from .helpers import entity_id

SAMSUNG_MAC = "8c:79:f5:aa:bb:01"
SAMSUNG_IP = "198.18.5.170"
DHCP_MAC = "8c:79:f5:aa:bb:02"
DHCP_IP = "198.18.5.171"


@dataclass
class Source:
    """One of HA's discovery integrations as Snoop Guard sees it, under test control.

    ``mode`` is what the next subscription does: ``ok``, ``hang`` (never returns, as
    SSDP did with a poisoned description cache) or ``raise``.
    """

    mode: str = "ok"
    calls: int = 0
    cancelled: int = 0
    callbacks: list[Callable[..., Any]] = field(default_factory=list)

    async def subscribe(self, callback: Callable[..., Any] | None = None) -> None:
        self.calls += 1
        if self.mode == "raise":
            # What defusedxml raises for an XML entity bomb, which async_upnp_client
            # 0.48.2 does not catch.
            raise EntitiesForbidden("bomb", "x" * 10, None, None, None, None)
        if self.mode == "hang":
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        if callback is not None:
            self.callbacks.append(callback)


@dataclass
class Browser:
    """Stands in for zeroconf's AsyncServiceBrowser on HA's shared instance."""

    types: list[str]
    cancelled: bool = False

    async def async_cancel(self) -> None:
        self.cancelled = True


@dataclass
class Sources:
    zeroconf: Source
    ssdp: Source
    dhcp: Source
    browsers: list[Browser]

    def __getitem__(self, name: str) -> Source:
        return getattr(self, name)  # type: ignore[no-any-return]


@pytest.fixture
def sources(hass: HomeAssistant) -> Generator[Sources]:
    """Zeroconf, SSDP and DHCP as HA provides them; not loaded until a test says so."""
    found = Sources(Source(), Source(), Source(), [])
    hass.data[DATA_DHCP] = DHCPData(integration_matchers=DhcpMatchers(set(), {}, {}))

    async def zeroconf_instance(hass: HomeAssistant) -> Any:
        await found.zeroconf.subscribe()
        return type("HaAsyncZeroconf", (), {"zeroconf": object()})()

    def browser(_zc: object, types: list[str], handlers: list[Any]) -> Browser:
        made = Browser(types)
        found.browsers.append(made)
        return made

    async def ssdp_register(hass: HomeAssistant, callback: Any, match: Any) -> Callable[[], None]:
        await found.ssdp.subscribe(callback)
        return lambda: found.ssdp.callbacks.remove(callback)

    real_dhcp_register = __import__(
        "homeassistant.components.dhcp.helpers", fromlist=["x"]
    ).async_register_dhcp_callback_internal

    def dhcp_register(hass: HomeAssistant, callback: Any) -> Callable[[], None]:
        found.dhcp.calls += 1
        if found.dhcp.mode == "raise":
            raise KeyError("dhcp")
        return real_dhcp_register(hass, callback)

    with (
        patch("homeassistant.components.zeroconf.async_get_async_instance", zeroconf_instance),
        patch("zeroconf.asyncio.AsyncServiceBrowser", browser),
        patch("homeassistant.components.ssdp.async_register_callback", ssdp_register),
        patch(
            "homeassistant.components.dhcp.helpers.async_register_dhcp_callback_internal",
            dhcp_register,
        ),
    ):
        yield found


def _load(hass: HomeAssistant, *domains: str) -> None:
    """Mark integrations loaded, as HA does before it fires EVENT_COMPONENT_LOADED."""
    for domain in domains:
        hass.config.components.add(domain)


def _sources_state(hass: HomeAssistant) -> State:
    found = [
        s for s in hass.states.async_all("sensor") if s.entity_id.endswith("discovery_sources")
    ]
    assert len(found) == 1
    return found[0]


def _later(seconds: float) -> Any:
    return dt_util.utcnow() + timedelta(seconds=seconds)


def _tasks(name: str) -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith(name) and not t.done()]


def _samsung_ssdp() -> SsdpServiceInfo:
    return SsdpServiceInfo(
        ssdp_usn="uuid:0ee3e9c1-0000-0000-0000-8c79f5aabb01::urn:samsung.com:device:RemoteControlReceiver:1",
        ssdp_st="urn:samsung.com:device:RemoteControlReceiver:1",
        ssdp_location=f"http://{SAMSUNG_IP}:7676/smp_15_",
        ssdp_server="SHP, UPnP/1.0, Samsung UPnP SDK/1.0",
        upnp={
            "deviceType": "urn:samsung.com:device:RemoteControlReceiver:1",
            "manufacturer": "Samsung Electronics",
            "modelName": "QE55Q70TATXXU",
        },
    )


async def _count_a_tracker(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    router: FakeRouter,
    tracker: str = "api.gz-data.com",
) -> str:
    sensor = entity_id(hass, entry, TV_MAC, "tracker_contacts")
    before = int(hass.states.get(sensor).state)  # type: ignore[union-attr]
    router.log(query_line(TV_IP, tracker))
    await hass.async_block_till_done()
    return str(int(hass.states.get(sensor).state) - before)  # type: ignore[union-attr]


async def test_setup_never_waits_on_a_hanging_ssdp(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    sources: Sources,
) -> None:
    _load(hass, "zeroconf", "ssdp", "dhcp")
    sources.ssdp.mode = "hang"
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_entry.state is ConfigEntryState.LOADED

    # Counting runs while SSDP still has not answered; the other sources are live.
    assert await _count_a_tracker(hass, mock_entry, patch_backend) == "1"
    state = _sources_state(hass)
    assert state.state == "2"
    assert state.attributes["ssdp"] == "starting"
    assert state.attributes["zeroconf"] == state.attributes["dhcp"] == "active"
    assert sources.browsers[0].types == list(MDNS_TYPES)

    async_fire_time_changed(hass, _later(START_TIMEOUT + 1))
    await hass.async_block_till_done()
    assert sources.ssdp.cancelled == 1
    state = _sources_state(hass)
    assert state.attributes["ssdp"] == "timed_out"
    assert state.attributes["errors"] == {"ssdp": f"no answer within {START_TIMEOUT:.0f} s"}
    diag = await async_get_config_entry_diagnostics(hass, mock_entry)
    assert diag["discovery_sources"]["ssdp"]["state"] == "timed_out"
    assert diag["discovery_sources"]["ssdp"]["attempts"] == 1
    assert diag["discovery_sources"]["dhcp"]["state"] == "active"
    assert await _count_a_tracker(hass, mock_entry, patch_backend, "samba.tv") == "1"

    assert await hass.config_entries.async_unload(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert not _tasks("snoop_guard")
    assert sources.browsers[0].cancelled
    # No retry outlives the entry.
    async_fire_time_changed(hass, _later(RETRY_AFTER.total_seconds() + 1))
    await hass.async_block_till_done()
    assert sources.ssdp.calls == 1


async def test_unload_and_reload_cancel_a_pending_subscription(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    sources: Sources,
) -> None:
    _load(hass, "ssdp")
    sources.ssdp.mode = "hang"
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert _tasks("snoop_guard discovery ssdp")

    # An options change reloads the entry: it must not queue behind the hang.
    assert await hass.config_entries.async_reload(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_entry.state is ConfigEntryState.LOADED
    assert sources.ssdp.calls == 2
    assert sources.ssdp.cancelled == 1
    assert len(_tasks("snoop_guard discovery ssdp")) == 1
    assert await _count_a_tracker(hass, mock_entry, patch_backend) == "1"

    assert await hass.config_entries.async_unload(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_entry.state is ConfigEntryState.NOT_LOADED
    assert sources.ssdp.cancelled == 2
    assert not _tasks("snoop_guard")


@pytest.mark.parametrize(
    ("failing", "mode", "state", "error"),
    [
        ("zeroconf", "hang", "timed_out", f"no answer within {START_TIMEOUT:.0f} s"),
        ("zeroconf", "raise", "failed", "EntitiesForbidden"),
        ("ssdp", "hang", "timed_out", f"no answer within {START_TIMEOUT:.0f} s"),
        ("ssdp", "raise", "failed", "EntitiesForbidden"),
        ("dhcp", "raise", "failed", "KeyError"),
    ],
)
async def test_one_failing_source_never_stops_the_others(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    sources: Sources,
    failing: str,
    mode: str,
    state: str,
    error: str,
) -> None:
    _load(hass, "zeroconf", "ssdp", "dhcp")
    sources[failing].mode = mode
    patch_backend.clients.append(RouterClient(mac=SAMSUNG_MAC, ips=(SAMSUNG_IP,)))
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    async_fire_time_changed(hass, _later(START_TIMEOUT + 1))
    await hass.async_block_till_done()

    assert mock_entry.state is ConfigEntryState.LOADED
    shown = _sources_state(hass)
    assert shown.state == "2"
    assert shown.attributes[failing] == state
    assert shown.attributes["errors"] == {failing: error}
    others = [s for s in ("zeroconf", "ssdp", "dhcp") if s != failing]
    assert all(shown.attributes[s] == "active" for s in others)
    assert await _count_a_tracker(hass, mock_entry, patch_backend) == "1"

    # What the working sources hear still reaches the inventory.
    coordinator = mock_entry.runtime_data.coordinator
    if failing != "ssdp":
        sources.ssdp.callbacks[0](_samsung_ssdp(), "ALIVE")
        await hass.async_block_till_done()
        tv = entity_id(hass, mock_entry, SAMSUNG_MAC, "tracker_contacts")
        assert hass.states.get(tv).attributes["kind"] == "tv"  # type: ignore[union-attr]
    if failing != "dhcp":
        for heard in list(hass.data[DATA_DHCP].callbacks):
            heard({DHCP_MAC.replace(":", ""): {"ip": DHCP_IP, "hostname": "Chromecast"}})
        await hass.async_block_till_done()
        assert coordinator.devices.inventory.get(DHCP_MAC) is not None
    diag = await async_get_config_entry_diagnostics(hass, mock_entry)
    assert diag["discovery_sources"][failing]["error"] == error


async def test_sources_that_load_later_are_subscribed(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    sources: Sources,
) -> None:
    patch_backend.clients.append(RouterClient(mac=SAMSUNG_MAC, ips=(SAMSUNG_IP,)))
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    state = _sources_state(hass)
    assert state.state == "0"
    assert state.attributes["ssdp"] == state.attributes["dhcp"] == "not_loaded"

    # HA loads SSDP after Snoop Guard (the demo's case), then DHCP.
    _load(hass, "ssdp")
    hass.bus.async_fire(EVENT_COMPONENT_LOADED, {"component": "ssdp"})
    await hass.async_block_till_done()
    assert _sources_state(hass).attributes["ssdp"] == "active"
    sources.ssdp.callbacks[0](_samsung_ssdp(), "ALIVE")
    await hass.async_block_till_done()
    tv = hass.states.get(entity_id(hass, mock_entry, SAMSUNG_MAC, "tracker_contacts"))
    assert any("SSDP" in e for e in tv.attributes["evidence"])  # type: ignore[union-attr]

    hass.data[DATA_DHCP].address_data[DHCP_MAC.replace(":", "")] = {
        "ip": DHCP_IP,
        "hostname": "Chromecast",
    }
    _load(hass, "dhcp")
    hass.bus.async_fire(EVENT_COMPONENT_LOADED, {"component": "dhcp"})
    hass.bus.async_fire(EVENT_COMPONENT_LOADED, {"component": "dhcp"})
    await hass.async_block_till_done()
    # What DHCP had heard before we subscribed counts too; a second event changes nothing.
    assert mock_entry.runtime_data.coordinator.devices.inventory.get(DHCP_MAC) is not None
    assert sources.dhcp.calls == 1
    assert _sources_state(hass).state == "2"
    # Other integrations loading do not matter.
    hass.bus.async_fire(EVENT_COMPONENT_LOADED, {"component": "light"})
    await hass.async_block_till_done()
    assert sources.ssdp.calls == 1


async def test_a_source_that_timed_out_is_tried_again(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    sources: Sources,
) -> None:
    _load(hass, "ssdp")
    sources.ssdp.mode = "hang"
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    async_fire_time_changed(hass, _later(START_TIMEOUT + 1))
    await hass.async_block_till_done()
    assert _sources_state(hass).attributes["ssdp"] == "timed_out"

    # The source recovers (HA restarted SSDP, the hostile device is gone).
    sources.ssdp.mode = "ok"
    async_fire_time_changed(hass, _later(START_TIMEOUT + RETRY_AFTER.total_seconds() + 2))
    await hass.async_block_till_done()
    state = _sources_state(hass)
    assert state.attributes["ssdp"] == "active"
    assert state.attributes["errors"] == {}
    assert sources.ssdp.calls == 2
    diag = await async_get_config_entry_diagnostics(hass, mock_entry)
    assert diag["discovery_sources"]["ssdp"]["attempts"] == 2


async def test_hostile_records_never_break_the_sources(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    sources: Sources,
) -> None:
    _load(hass, "ssdp", "dhcp")
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()

    bomb = SsdpServiceInfo(
        ssdp_usn="uuid:" + "A" * 5000,
        ssdp_st="urn:x:device:$(reboot):1",
        ssdp_location="http://[::1]:99999/<script>",
        upnp={"deviceType": 5, "friendlyName": None, "manufacturer": ["x"] * 1000},
    )
    sources.ssdp.callbacks[0](bomb, "ALIVE")
    # HA's DHCP watcher calls us unguarded: nothing may raise into it.
    for heard in list(hass.data[DATA_DHCP].callbacks):
        heard({"zz": {"ip": "not-an-ip", "hostname": "\x00" * 1000}, "": {}})
        heard({DHCP_MAC.replace(":", ""): {"ip": 7, "hostname": ["Chromecast"]}})
    await hass.async_block_till_done()

    state = _sources_state(hass)
    assert state.attributes["ssdp"] == state.attributes["dhcp"] == "active"
    assert await _count_a_tracker(hass, mock_entry, patch_backend) == "1"
