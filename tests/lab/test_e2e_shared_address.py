"""End to end: a tracker and a needed name on one address do not cost the TV its needed name.

The lab's internet answers every name it has no mapping for with one address
(203.0.113.99), like a CDN or load balancer shared by many services. A Samsung
TV with its trackers blocked resolves a tracker on that address, then its time
server: the time server must stay reachable (the address is allowed, which
also makes the tracker on it reachable: the chosen trade-off), while a tracker
on an address of its own stays refused.
"""

from __future__ import annotations

import json

import pytest
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from lab.netlab import Lab

from .conftest import router_nft

pytestmark = pytest.mark.lab

TRACKER_ON_SHARED = "samsungads.com"  # no mapping in the lab's internet: the shared address
NEEDED_ON_SHARED = "time.samsungcloudsolution.com"  # functional allow-list: the TV's clock
TRACKER_ALONE = "gz-data.com"  # the lab maps it to an address of its own


def _set(lab: Lab, name: str) -> set[str]:
    listing = json.loads(router_nft(lab, ["-j", "list", "set", "inet", "snoop_guard", name]).stdout)
    elems = next(i["set"] for i in listing["nftables"] if "set" in i).get("elem", [])
    return {e if isinstance(e, str) else e["elem"]["val"] for e in elems}


async def test_needed_name_on_a_tracker_address_keeps_working(
    hass: HomeAssistant, lab: Lab, lab_entry: MockConfigEntry
) -> None:
    tv = lab.add_client("frame", "8c:79:f5:ab:cd:01", "Samsung-Frame")
    coordinator = lab_entry.runtime_data.coordinator
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    block = er.async_get(hass).async_get_entity_id(
        "switch", "snoop_guard", f"{lab_entry.unique_id}_{tv.mac}_block_trackers"
    )
    assert block is not None
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: block}, blocking=True
    )
    assert hass.states.get(block).state == STATE_ON

    async def resolve(name: str) -> str:
        answer = await hass.async_add_executor_job(lab.resolve, "frame", name)
        assert len(answer) == 1, (name, answer)
        return answer[0]

    async def reaches(ip: str) -> bool:
        return await hass.async_add_executor_job(lab.http_get, "frame", ip)

    shared = await resolve(TRACKER_ON_SHARED)
    alone = await resolve(TRACKER_ALONE)
    assert shared != alone
    assert not await reaches(shared)  # a tracker address, nothing needed on it yet
    assert not await reaches(alone)

    assert await resolve(NEEDED_ON_SHARED) == shared
    assert await reaches(shared)  # the time server works
    assert not await reaches(alone)  # a tracker-only address is still refused
    assert shared in _set(lab, "trackers4") & _set(lab, "allowed4")
    assert alone not in _set(lab, "allowed4")

    # Read back: still in sync (the new sets and rules are recognised), the address counted.
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    enforced = coordinator.data.enforced
    assert enforced is not None
    assert enforced.in_sync
    assert enforced.shared_addresses == {shared}
    assert enforced.allowed_addresses >= 1
    assert tv.mac in enforced.block_trackers
    assert hass.states.get(block).state == STATE_ON
