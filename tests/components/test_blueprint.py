"""The bundled blueprint is valid, and blocks and unblocks devices through the automation engine."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import persistent_notification
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint, BlueprintInputs
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import CoreState, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml_dict
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.snoop_guard.identity import device_identifier
from tests.fakes import FakeRouter

from .conftest import TV_IP, TV_MAC
from .helpers import entity_id

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints/automation/snoop_guard"


def _blueprint(name: str) -> Blueprint:
    data = load_yaml_dict(str(BLUEPRINTS / name))
    return Blueprint(data, expected_domain="automation", schema=AUTOMATION_BLUEPRINT_SCHEMA)


async def test_block_at_night_blueprint_is_valid(hass: HomeAssistant) -> None:
    blueprint = await hass.async_add_executor_job(_blueprint, "block_at_night.yaml")
    assert set(blueprint.inputs) == {"devices", "what", "start", "end", "nobody_home"}

    inputs = BlueprintInputs(
        blueprint,
        {
            "use_blueprint": {
                "path": "snoop_guard/block_at_night.yaml",
                "input": {"devices": ["d1"]},
            }
        },
    )
    inputs.validate()
    config = inputs.async_substitute()
    assert [t.get("at") for t in config["triggers"]] == ["23:00:00", "07:00:00", None, None]
    assert [t["trigger"] for t in config["triggers"]] == ["time", "time", "homeassistant", "state"]
    steps = [choice["sequence"][0] for choice in config["actions"][1]["choose"]]
    assert [s["action"] for s in steps] == ["snoop_guard.block", "snoop_guard.unblock"]
    assert steps[0]["data"] == {
        "device_id": ["d1"],
        "what": "internet",
        "duration": "{{ seconds_to_end }}",
    }
    assert steps[1]["data"] == {"device_id": ["d1"], "what": "internet"}
    assert config["variables"]["only_when_away"] is False


async def test_notify_on_scan_blueprint_is_valid(hass: HomeAssistant) -> None:
    blueprint = await hass.async_add_executor_job(_blueprint, "notify_on_scan.yaml")
    assert set(blueprint.inputs) == {"devices", "kinds", "notify", "button_timeout"}
    inputs = BlueprintInputs(
        blueprint, {"use_blueprint": {"path": "snoop_guard/notify_on_scan.yaml", "input": {}}}
    )
    inputs.validate()
    config = inputs.async_substitute()
    assert config["triggers"] == [{"trigger": "event", "event_type": "snoop_guard_scan_detected"}]
    assert config["variables"]["kinds"] == ["lan_scan", "wifi_scan", "upload_suspected"]
    assert config["actions"][1]["sequence"][0]["action"] == "persistent_notification.create"
    assert config["actions"][-1] == {
        "action": "snoop_guard.block",
        "data": {"device_id": "{{ device_id }}", "what": "trackers"},
    }


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """A configuration directory of this test's own, to install the blueprint in."""
    return hass_tmp_config_dir


async def install_blueprint(hass: HomeAssistant, name: str = "block_at_night.yaml") -> None:
    """Copy a bundled blueprint where Home Assistant's blueprint folder is."""
    target = Path(hass.config.path("blueprints/automation/snoop_guard", name))

    def _copy() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BLUEPRINTS / name, target)

    await hass.async_add_executor_job(_copy)


async def setup_night_automation(hass: HomeAssistant, devices: list[str], **inputs: Any) -> None:
    """An automation made from the blueprint, as the UI would save it."""
    await install_blueprint(hass)
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "id": "kids_tv_night",
                    "alias": "Kids TV night",
                    "use_blueprint": {
                        "path": "snoop_guard/block_at_night.yaml",
                        "input": {"devices": devices, "what": "internet", **inputs},
                    },
                }
            ]
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get("automation.kids_tv_night").state == STATE_ON


async def at_local_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hour: int, minute: int
) -> None:
    """Move the clock forward to the next hour:minute local time and let timers run."""
    now = dt_util.now()
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    freezer.move_to(target)
    async_fire_time_changed(hass, target)
    await hass.async_block_till_done()


async def test_blueprint_blocks_a_tv_another_integration_owns(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Cast set the TV up first; our entities sit on its device; the blueprint targets it."""
    freezer.move_to(dt_util.now().replace(hour=12, minute=0, second=0, microsecond=0))
    cast = MockConfigEntry(domain="cast")
    cast.add_to_hass(hass)
    tv = dr.async_get(hass).async_get_or_create(
        config_entry_id=cast.entry_id,
        connections={(dr.CONNECTION_NETWORK_MAC, TV_MAC)},
        identifiers={("cast", "living-room-tv")},
        name="Living room TV",
    )
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    switch = entity_id(hass, mock_entry, TV_MAC, "block_internet")
    assert er.async_get(hass).async_get(switch).device_id == tv.id

    await setup_night_automation(hass, [tv.id])
    await at_local_time(hass, freezer, 23, 0)
    assert patch_backend.table is not None
    assert patch_backend.table["internet"] == {TV_MAC}
    assert hass.states.get(switch).state == STATE_ON

    await at_local_time(hass, freezer, 7, 0)
    assert patch_backend.table["internet"] == frozenset()
    assert hass.states.get(switch).state == STATE_OFF


def _own_tv(hass: HomeAssistant, entry: MockConfigEntry) -> dr.DeviceEntry:
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry, TV_MAC), entry.entry_id
    )
    assert device is not None
    return device


@pytest.mark.parametrize(("hour", "blocked"), [(1, True), (12, False)])
async def test_restart_inside_the_window_blocks_until_its_end(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    freezer: FrozenDateTimeFactory,
    hour: int,
    blocked: bool,
) -> None:
    """Home Assistant was down at 23:00 and starts at 01:00 (or at noon)."""
    freezer.move_to(dt_util.now().replace(hour=hour, minute=30, second=0, microsecond=0))
    hass.set_state(CoreState.not_running)
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    await setup_night_automation(hass, [_own_tv(hass, mock_entry).id])
    await hass.async_start()
    await hass.async_block_till_done()

    assert patch_backend.table is not None
    assert patch_backend.table["internet"] == ({TV_MAC} if blocked else frozenset())
    if not blocked:
        assert mock_entry.runtime_data.coordinator.blocks.expiry == {}
        return
    # Timed to end with the window: it ends even if Home Assistant is down at 07:00.
    ends = mock_entry.runtime_data.coordinator.blocks.expiry[(TV_MAC, "internet")]
    assert dt_util.as_local(ends).time().replace(microsecond=0) == time(7, 0)
    await at_local_time(hass, freezer, 7, 0)
    assert patch_backend.table["internet"] == frozenset()


async def test_only_when_nobody_is_home(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(dt_util.now().replace(hour=12, minute=0, second=0, microsecond=0))
    hass.states.async_set("zone.home", "2")
    await setup_night_automation(hass, [_own_tv(hass, setup_entry).id], nobody_home=True)

    await at_local_time(hass, freezer, 23, 0)
    assert patch_backend.table is not None
    assert patch_backend.table["internet"] == frozenset()
    # The last person leaves during the window: now the block begins.
    hass.states.async_set("zone.home", "0")
    await hass.async_block_till_done()
    assert patch_backend.table["internet"] == {TV_MAC}
    await at_local_time(hass, freezer, 7, 0)
    assert patch_backend.table["internet"] == frozenset()
    # Leaving outside the window blocks nothing.
    hass.states.async_set("zone.home", "1")
    hass.states.async_set("zone.home", "0")
    await hass.async_block_till_done()
    assert patch_backend.table["internet"] == frozenset()


async def test_notify_on_scan_names_the_device_safely_and_its_button_blocks_trackers(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: Callable[..., str],
) -> None:
    tv = _own_tv(hass, setup_entry)
    dr.async_get(hass).async_update_device(
        tv.id, name_by_user="Kids TV [click](javascript:alert(1)) <img src=x> www.evil.example"
    )
    await install_blueprint(hass, "notify_on_scan.yaml")
    notify = {
        "event": "notified",
        "event_data": {
            "title": "{{ title }}",
            "message": "{{ message }}",
            "button": "{{ block_action }}",
        },
    }
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "id": "scan_alert",
                    "alias": "Scan alert",
                    "use_blueprint": {
                        "path": "snoop_guard/notify_on_scan.yaml",
                        "input": {"devices": [tv.id], "kinds": ["lan_scan"], "notify": [notify]},
                    },
                }
            ]
        },
    )
    await hass.async_block_till_done()
    notified = async_capture_events(hass, "notified")
    sent = asyncio.Event()
    hass.bus.async_listen_once("notified", callback(lambda _: sent.set()))

    for host in range(10, 22):
        patch_backend.log(log_line(TV_IP, f"{host}.5.18.198.in-addr.arpa", "PTR"))
    # The run now waits for the button: async_block_till_done would wait with it.
    async with asyncio.timeout(10):
        await sent.wait()
    assert len(notified) == 1
    message = notified[0].data["message"]
    name, _, rest = message.partition(" scanned your home network.")
    assert name.startswith("Kids TV")
    assert not set("[]()<>.") & set(name)
    assert rest == f" [Open the device](/config/devices/device/{tv.id})"
    assert patch_backend.table is None or patch_backend.table["trackers"] == frozenset()

    # The notification's "Block trackers" button.
    hass.bus.async_fire("mobile_app_notification_action", {"action": notified[0].data["button"]})
    await hass.async_block_till_done()
    assert patch_backend.table is not None
    assert patch_backend.table["trackers"] == {TV_MAC}


async def test_notify_on_scan_by_default_leaves_a_persistent_notification(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: Callable[..., str],
) -> None:
    tv = _own_tv(hass, setup_entry)
    assert await async_setup_component(hass, "persistent_notification", {})
    notes: list[persistent_notification.Notification] = []

    @callback
    def _updated(
        kind: persistent_notification.UpdateType,
        notifications: dict[str, persistent_notification.Notification],
    ) -> None:
        if kind is persistent_notification.UpdateType.ADDED:
            notes.extend(notifications.values())

    persistent_notification.async_register_callback(hass, _updated)
    await install_blueprint(hass, "notify_on_scan.yaml")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "id": "scan_alert",
                    "alias": "Scan alert",
                    # No button to wait for: the run ends after notifying.
                    "use_blueprint": {
                        "path": "snoop_guard/notify_on_scan.yaml",
                        "input": {"button_timeout": {"seconds": 0}},
                    },
                }
            ]
        },
    )
    await hass.async_block_till_done()
    for host in range(10, 22):
        patch_backend.log(log_line(TV_IP, f"{host}.5.18.198.in-addr.arpa", "PTR"))
    await hass.async_block_till_done()
    await hass.async_block_till_done()

    assert [n["title"] for n in notes] == ["Snoop Guard: Skyworth-TV"]
    assert notes[0]["message"] == (
        f"Skyworth-TV scanned your home network. [Open the device](/config/devices/device/{tv.id})"
    )
    assert patch_backend.table is None or patch_backend.table["trackers"] == frozenset()
