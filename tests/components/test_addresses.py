"""Mapping a DNS client's address to a MAC, and saying how: no root, no network."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard import addresses
from custom_components.snoop_guard.addresses import (
    AddressBook,
    Method,
    async_read_neighbours,
    parse_ip_neigh_json,
    parse_proc_arp,
)
from custom_components.snoop_guard.backends.base import NamedAddress, RouterClient
from custom_components.snoop_guard.const import DOMAIN
from custom_components.snoop_guard.policies import BlockPolicies
from tests.fakes import FakeRouter

PROC_ARP = """IP address       HW type     Flags       HW address            Mask     Device
192.168.1.20     0x1         0x2         58:B4:2D:11:22:33     *        eth0
192.168.1.21     0x1         0x0         00:00:00:00:00:00     *        eth0
192.168.1.22     0x1         0x2         not-a-mac             *        eth0
bogus            0x1         0x2         58:b4:2d:11:22:44     *        eth0
192.168.1.23     0x1         0x6         58-b4-2d-11-22-55     *        eth0
"""


def test_proc_arp_keeps_complete_entries_only() -> None:
    assert parse_proc_arp(PROC_ARP) == {
        "192.168.1.20": "58:b4:2d:11:22:33",
        "192.168.1.23": "58:b4:2d:11:22:55",
    }


def test_ip_neigh_json_skips_failed_and_bad_rows() -> None:
    rows = [
        {
            "dst": "192.168.1.20",
            "dev": "eth0",
            "lladdr": "58:b4:2d:11:22:33",
            "state": ["REACHABLE"],
        },
        {"dst": "fe80::1%eth0", "dev": "eth0", "lladdr": "58:b4:2d:11:22:33", "state": ["STALE"]},
        {"dst": "192.168.1.21", "dev": "eth0", "state": ["FAILED"]},
        {"dst": "192.168.1.22", "lladdr": "58:b4:2d:11:22:66", "state": ["INCOMPLETE"]},
        {"dst": "<script>", "lladdr": "58:b4:2d:11:22:77"},
        {"dst": "ff02::1", "lladdr": "33:33:00:00:00:01"},
        "not a row",
    ]
    assert parse_ip_neigh_json(json.dumps(rows)) == {
        "192.168.1.20": "58:b4:2d:11:22:33",
        "fe80::1": "58:b4:2d:11:22:33",
    }
    assert parse_ip_neigh_json("not json") == {}
    assert parse_ip_neigh_json('{"dst": 1}') == {}


def test_sources_in_order_of_authority() -> None:
    clients = [RouterClient(mac="aa:aa:aa:aa:aa:01", ips=("10.0.0.1",))]
    book = AddressBook.build(
        clients,
        clients_method=Method.DNS_FILTER,
        neighbours={"10.0.0.1": "bb:bb:bb:bb:bb:01", "10.0.0.2": "aa:aa:aa:aa:aa:02"},
        inventory={"10.0.0.2": "cc:cc:cc:cc:cc:02", "10.0.0.3": "aa:aa:aa:aa:aa:03"},
    )
    # A lower source never takes an address a higher one holds.
    assert book.ip_to_mac == {
        "10.0.0.1": "aa:aa:aa:aa:aa:01",
        "10.0.0.2": "aa:aa:aa:aa:aa:02",
        "10.0.0.3": "aa:aa:aa:aa:aa:03",
    }
    assert book.methods == {
        "aa:aa:aa:aa:aa:01": Method.DNS_FILTER,
        "aa:aa:aa:aa:aa:02": Method.NEIGHBOUR_TABLE,
        "aa:aa:aa:aa:aa:03": Method.HOME_ASSISTANT,
    }
    extra = book.clients_not_in(clients)
    # Only the neighbour table's devices are listed: HA's records are in the inventory
    # already, and listing them would refresh a stale lease as if seen now.
    assert [(c.mac, c.ips) for c in extra] == [("aa:aa:aa:aa:aa:02", ("10.0.0.2",))]
    named = book.clients_not_in(clients, [NamedAddress("10.0.0.2", "Roku-Ultra", "rDNS")])
    assert [(c.mac, c.hostname) for c in named] == [("aa:aa:aa:aa:aa:02", "Roku-Ultra")]
    assert book.fresh() == {"10.0.0.1": "aa:aa:aa:aa:aa:01", "10.0.0.2": "aa:aa:aa:aa:aa:02"}
    assert book.addresses_of()["aa:aa:aa:aa:aa:03"] == ("10.0.0.3",)


def test_a_listed_client_without_addresses_is_identified_by_its_source() -> None:
    book = AddressBook.build(
        [RouterClient(mac="aa:aa:aa:aa:aa:01", ips=())], clients_method=Method.ROUTER
    )
    assert book.methods == {"aa:aa:aa:aa:aa:01": Method.ROUTER}


async def test_neighbours_fall_back_to_proc_arp(tmp_path: pytest.TempPathFactory) -> None:
    arp = tmp_path / "arp"  # type: ignore[operator]
    arp.write_text(PROC_ARP)
    with (
        patch.object(addresses, "_PROC_ARP", str(arp)),
        patch("asyncio.create_subprocess_exec", side_effect=FileNotFoundError("ip")),
    ):
        found = await async_read_neighbours()
    assert found["192.168.1.20"] == "58:b4:2d:11:22:33"


async def test_neighbours_never_raise_without_any_table() -> None:
    with (
        patch.object(addresses, "_PROC_ARP", "/nonexistent/arp"),
        patch("asyncio.create_subprocess_exec", side_effect=PermissionError("no")),
    ):
        assert await async_read_neighbours() == {}


async def test_blocked_device_keeps_its_addresses_until_another_device_holds_them(
    hass: HomeAssistant,
) -> None:
    blocks = BlockPolicies(hass, lambda mac, what: None)
    tv, pc = "aa:aa:aa:aa:aa:01", "aa:aa:aa:aa:aa:02"
    blocks.change(tv, trackers=True, internet=None, until=None, ips=("10.0.0.5", "10.0.0.6"))
    # Not seen now: the rule keeps naming its addresses (the block does not lapse).
    blocks.refresh_addresses({}, moved={})
    assert blocks.policies[tv].ips == ("10.0.0.5", "10.0.0.6")
    # One address moved to another device: never name it again.
    blocks.refresh_addresses({}, moved={"10.0.0.5": pc})
    assert blocks.policies[tv].ips == ("10.0.0.6",)
    # Seen again under a new address: follow it.
    blocks.refresh_addresses({tv: ("10.0.0.9",)}, moved={"10.0.0.9": tv})
    assert blocks.policies[tv].ips == ("10.0.0.9",)


async def test_store_from_before_the_server_key_keeps_its_cursor(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    hass_storage: dict[str, Any],
) -> None:
    key = f"{DOMAIN}.{mock_entry.entry_id}"
    hass_storage[key] = {"version": 1, "key": key, "data": {"poll_cursor": {"id": 41}}}
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_entry.runtime_data.coordinator.dns.poll_cursor == {"id": 41}


async def test_a_cursor_of_another_server_is_not_reused(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    hass_storage: dict[str, Any],
) -> None:
    key = f"{DOMAIN}.{mock_entry.entry_id}"
    hass_storage[key] = {
        "version": 1,
        "key": key,
        "data": {"poll_cursor": {"id": 41}, "poll_server": "pihole:192.0.2.9:80"},
    }
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_entry.runtime_data.coordinator.dns.poll_cursor is None
