"""The harness's fake router reports what the real backend reports for the same router.

The fake writes with the real builders and reads back with the real
``parse_state``; these tests pin the remaining piece, its kernel and dnsmasq
model, to what nft 1.0.6 printed for the golden inputs (``data/listing.json``).
"""

from __future__ import annotations

import json

import pytest

from custom_components.snoop_guard.backends.base import (
    BackendResponseError,
    DevicePolicy,
    RouterClient,
)
from custom_components.snoop_guard.backends.nftables import parse_state
from custom_components.snoop_guard.backends.trackerset import prepare_trackers
from tests.fakes import FakeBackend, FakeRouter

from . import golden

TRACKERS = prepare_trackers(golden.TRACKERS, golden.ALLOWED)


async def _applied(policies: tuple[DevicePolicy, ...] = golden.POLICIES) -> FakeBackend:
    router = FakeRouter()
    router.clients = [RouterClient(mac="14:11:5d:00:00:01", ips=(), interface="br0")]
    backend = FakeBackend(router)
    await backend.async_list_clients()
    await backend.async_apply(policies, TRACKERS)
    return backend


async def test_fake_state_equals_the_real_parse_of_the_real_listing() -> None:
    backend = await _applied()
    router = backend.router
    # dnsmasq answers as in the golden capture; the snippet decides the sets.
    router.resolve("gz-data.com", "203.0.113.10", "2001:db8::10")
    router.resolve("q1.samsungads.com", "203.0.113.99")
    router.resolve("time.samsungcloudsolution.com", "203.0.113.99")
    router.resolve("unlisted.example", "203.0.113.50")
    for _set_name, mac, address, port in golden.SEEN:
        assert router.send_dns(mac, address, port)
    real_listing = json.loads((golden.DATA / "listing.json").read_text())
    real = parse_state(real_listing, golden.POLICIES, ["br0"], dns_snippet_current=True)
    assert await backend.async_read_state(golden.POLICIES, TRACKERS) == real
    assert real.shared_addresses == {"203.0.113.99"}


async def test_fake_notices_drift_like_the_real_backend() -> None:
    backend = await _applied()
    router = backend.router
    assert (await backend.async_read_state(golden.POLICIES, TRACKERS)).in_sync

    fewer = golden.POLICIES[1:]
    state = await backend.async_read_state(fewer, TRACKERS)
    assert state.rules_intact
    assert not state.in_sync

    router.snippet = (router.snippet or "") + "nftset=/extra.example/4#inet#snoop_guard#trackers4\n"
    state = await backend.async_read_state(golden.POLICIES, TRACKERS)
    assert not state.dns_snippet_current
    assert not state.in_sync

    router.table = None  # the router rebooted
    state = await backend.async_read_state(golden.POLICIES, TRACKERS)
    assert not state.table_present
    assert not state.in_sync
    await backend.async_apply(golden.POLICIES, TRACKERS)
    assert (await backend.async_read_state(golden.POLICIES, TRACKERS)).in_sync
    assert router.snippet_uploads == 2


async def test_fake_table_view_is_the_parsed_table() -> None:
    backend = await _applied()
    assert backend.router.table == {
        "trackers": {"14:11:5d:00:00:01", "8c:79:f5:12:34:56"},
        "internet": {"00:0e:58:00:00:02", "8c:79:f5:12:34:56"},
    }
    assert backend.router.snippet_domains == (
        "acr0.samsungcloudsolution.com",
        "gz-data.com",
        "samsungads.com",
    )
    await backend.async_remove_all()
    assert backend.router.table is None
    assert backend.router.snippet_domains is None


async def test_answers_are_kept_when_blocks_change() -> None:
    backend = await _applied()
    backend.router.resolve("samsungads.com", "203.0.113.99")
    backend.router.resolve("time.samsungcloudsolution.com", "203.0.113.99")
    await backend.async_apply((), TRACKERS)
    state = await backend.async_read_state((), TRACKERS)
    assert state.in_sync
    assert state.block_trackers == frozenset()
    assert state.shared_addresses == {"203.0.113.99"}


async def test_a_set_of_another_type_is_refused_like_nft_does() -> None:
    """nft: "Could not process rule: File exists" (checked against nft 1.0.6)."""
    backend = await _applied()
    backend.router.nft.tables[("inet", "snoop_guard")].sets["allowed4"].type = "ipv6_addr"
    with pytest.raises(BackendResponseError):
        await backend.async_apply(golden.POLICIES, TRACKERS)
