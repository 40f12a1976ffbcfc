"""The nftables ruleset: golden output, hostile input, and the read-back round trip.

Device data (MACs, IPs from leases and the neighbour table, interface names)
may only ever become validated set elements; rules, set and chain definitions
are constants. Reading back what nft prints must give the desired state.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.snoop_guard.backends.base import BackendResponseError, DevicePolicy
from custom_components.snoop_guard.backends.nftables import (
    FAMILY,
    TABLE,
    build_delete,
    build_ruleset,
    expected_rules,
    parse_state,
    safe_interfaces,
)
from custom_components.snoop_guard.engine.routerdata import normalize_mac
from tests.engine.hostile import HOSTILE
from tests.fakes import FakeNft, NftError

from . import golden

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_MAC = re.compile(r"^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$")
_VERBS = {
    ("add", "table"),
    ("add", "set"),
    ("add", "chain"),
    ("flush", "chain"),
    ("add", "rule"),
    ("flush", "set"),
    ("add", "element"),
}


def _load(name: str) -> Any:
    return json.loads((golden.DATA / name).read_text())


def _without_elements(transaction: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in transaction["nftables"] if "element" not in c.get("add", {})]


def _elements(transaction: dict[str, Any]) -> dict[str, list[object]]:
    return {
        c["add"]["element"]["name"]: c["add"]["element"]["elem"]
        for c in transaction["nftables"]
        if "element" in c.get("add", {})
    }


def _set_types(transaction: dict[str, Any]) -> dict[str, str]:
    return {
        c["add"]["set"]["name"]: c["add"]["set"]["type"]
        for c in transaction["nftables"]
        if "set" in c.get("add", {})
    }


# -- golden ---------------------------------------------------------------------


def test_ruleset_is_the_golden_one() -> None:
    assert golden.ruleset() == _load("ruleset.json")


def test_golden_listing_reads_back_in_sync() -> None:
    state = parse_state(
        _load("listing.json"), golden.POLICIES, golden.LAN_INTERFACES, dns_snippet_current=True
    )
    assert state.table_present
    assert state.rules_intact
    assert state.in_sync
    assert state.block_trackers == {"14:11:5d:00:00:01", "8c:79:f5:12:34:56"}
    assert state.block_internet == {"00:0e:58:00:00:02", "8c:79:f5:12:34:56"}
    assert state.tracker_addresses == 3
    assert state.allowed_addresses == 1
    assert state.shared_addresses == {"203.0.113.99"}


def test_tracker_rules_spare_allowed_addresses() -> None:
    for comment, expr in expected_rules()["forward"]:
        refs = json.dumps(expr)
        for tracker_set, allowed_set in (("@trackers4", "@allowed4"), ("@trackers6", "@allowed6")):
            if tracker_set in refs:
                exception = {
                    "match": {
                        "op": "!=",
                        "left": {
                            "payload": {
                                "protocol": "ip" if tracker_set.endswith("4") else "ip6",
                                "field": "daddr",
                            }
                        },
                        "right": allowed_set,
                    }
                }
                assert exception in expr, comment
                # ... before the verdict.
                assert expr.index(exception) < len(expr) - 1


def test_address_sets_expire_and_are_never_flushed() -> None:
    transaction = golden.ruleset()
    sets = {
        c["add"]["set"]["name"]: c["add"]["set"]
        for c in transaction["nftables"]
        if "set" in c.get("add", {})
    }
    flushed = {
        c["flush"]["set"]["name"] for c in transaction["nftables"] if "set" in c.get("flush", {})
    }
    for name in ("trackers4", "trackers6", "allowed4", "allowed6"):
        assert sets[name]["flags"] == ["timeout"]
        assert sets[name]["timeout"] == 86400
        assert name not in flushed


# -- drift: what parse_state must notice ----------------------------------------


def _state(listing: Any, *, snippet: bool = True) -> Any:
    return parse_state(listing, golden.POLICIES, golden.LAN_INTERFACES, dns_snippet_current=snippet)


def _items(listing: Any, kind: str) -> list[dict[str, Any]]:
    return [item[kind] for item in listing["nftables"] if kind in item]


def test_a_deleted_rule_breaks_the_rules() -> None:
    listing = _load("listing.json")
    listing["nftables"] = [
        i for i in listing["nftables"] if i.get("rule", {}).get("comment") != "sg:bt-mac-ip"
    ]
    assert not _state(listing).rules_intact


def test_a_table_of_an_older_version_is_not_intact() -> None:
    """Tracker rules without the allowed-address exception must be replaced."""
    listing = _load("listing.json")
    for rule in _items(listing, "rule"):
        rule["expr"] = [e for e in rule["expr"] if "@allowed" not in json.dumps(e)]
    assert not _state(listing).rules_intact


@pytest.mark.parametrize("missing", ["allowed4", "allowed6", "trackers4", "bt_mac", "lan_if"])
def test_a_missing_set_breaks_the_rules(missing: str) -> None:
    listing = _load("listing.json")
    listing["nftables"] = [
        i for i in listing["nftables"] if i.get("set", {}).get("name") != missing
    ]
    assert not _state(listing).rules_intact


def test_a_set_of_another_type_breaks_the_rules() -> None:
    listing = _load("listing.json")
    next(s for s in _items(listing, "set") if s["name"] == "allowed4")["type"] = "ipv6_addr"
    assert not _state(listing).rules_intact


def test_a_chain_on_another_hook_breaks_the_rules() -> None:
    listing = _load("listing.json")
    next(c for c in _items(listing, "chain") if c["name"] == "forward")["hook"] = "input"
    assert not _state(listing).rules_intact


@pytest.mark.parametrize(
    ("set_name", "change"),
    [("bt_mac", "remove"), ("bi_ip4", "remove"), ("bt_ip6", "add"), ("lan_if", "add")],
)
def test_changed_device_sets_are_out_of_sync(set_name: str, change: str) -> None:
    listing = _load("listing.json")
    nft_set = next(s for s in _items(listing, "set") if s["name"] == set_name)
    if change == "remove":
        nft_set["elem"] = nft_set["elem"][1:]
    else:
        nft_set.setdefault("elem", []).append("fd00::99" if set_name == "bt_ip6" else "eth9")
    state = _state(listing)
    assert state.rules_intact
    assert not state.in_sync


def test_dns_set_contents_never_affect_sync() -> None:
    listing = _load("listing.json")
    for nft_set in _items(listing, "set"):
        if nft_set["name"] in ("trackers4", "allowed4"):
            nft_set["elem"] = [{"elem": {"val": f"203.0.113.{n}", "expires": 5}} for n in range(50)]
    state = _state(listing)
    assert state.in_sync
    assert len(state.shared_addresses) == 50


def test_a_stale_snippet_is_out_of_sync() -> None:
    state = _state(_load("listing.json"), snippet=False)
    assert state.rules_intact
    assert not state.in_sync
    assert not state.dns_snippet_current


def test_other_tables_are_ignored() -> None:
    listing = _load("listing.json")
    alien = copy.deepcopy(listing["nftables"])
    for item in alien:
        for body in item.values():
            if isinstance(body, dict) and body.get("table") == TABLE:
                body["table"] = "fw4"
                if "elem" in body:
                    body["elem"] = ["6.6.6.6"] if "4" in body["name"] else body["elem"]
    listing["nftables"] += alien
    assert _state(listing).in_sync


@pytest.mark.parametrize("garbage", [None, [], "nftables", {"nftables": "x"}, {"rules": []}, 42])
def test_a_listing_that_is_not_nftables_json_is_an_error(garbage: object) -> None:
    with pytest.raises(BackendResponseError):
        parse_state(garbage, [], dns_snippet_current=True)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=30,
    )
)
@SETTINGS
def test_junk_items_in_a_listing_never_crash_the_parser(junk: object) -> None:
    listing = _load("listing.json")
    listing["nftables"].append(junk)
    listing["nftables"].append({"set": junk})
    listing["nftables"].append({"rule": junk})
    state = parse_state(listing, golden.POLICIES, golden.LAN_INTERFACES, dns_snippet_current=True)
    assert state.table_present


# -- the fake kernel against the real nft -----------------------------------------


def _normalised(listing: Any) -> list[Any]:
    """Drop what differs between runs: metainfo, handles, remaining element lifetimes."""
    out = []
    for item in listing["nftables"]:
        if "metainfo" in item:
            continue
        copied = copy.deepcopy(item)
        for body in copied.values():
            body.pop("handle", None)
            for elem in body.get("elem", []):
                if isinstance(elem, dict):
                    elem["elem"].pop("expires", None)
        out.append(copied)
    return out


def test_the_fake_kernel_lists_what_nft_lists() -> None:
    kernel = FakeNft()
    kernel.apply(golden.ruleset())
    for set_name, address in golden.ANSWERS:
        kernel.add_elements(set_name, [address])
    for set_name, mac, address, port in golden.SEEN:
        kernel.add_elements(set_name, [{"concat": [mac, address, port]}])
    listing = kernel.listing()
    assert listing is not None
    assert _normalised(listing) == _normalised(_load("listing.json"))


def test_the_fake_kernel_refuses_what_nft_refuses() -> None:
    kernel = FakeNft()
    kernel.apply(golden.ruleset())
    before = kernel.listing()
    for set_name, bad in (
        ("bt_ip6", "fe80::1%eth0"),  # nft: syntax error
        ("bt_mac", "$(reboot)"),
        ("bt_ip4", "2001:db8::1"),
        ("lan_if", "x" * 16),  # nft: "String exceeds maximum length of 16"
    ):
        with pytest.raises(NftError):
            kernel.add_elements(set_name, [bad])
    with pytest.raises(NftError):
        kernel.apply({"nftables": [{"flush": {"ruleset": None}}]})
    with pytest.raises(NftError):  # the second delete fails: nothing of it happens
        kernel.apply({"nftables": build_delete()["nftables"] * 2})
    assert kernel.listing() == before


# -- hostile input ---------------------------------------------------------------

_hostile = st.sampled_from(HOSTILE) | st.text(max_size=40)
_macs = (
    _hostile
    | st.binary(min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02x}" for x in b))
    | st.binary(min_size=6, max_size=6).map(lambda b: "-".join(f"{x:02X}" for x in b))
)
_ips = (
    _hostile
    | st.ip_addresses().map(str)
    | st.ip_addresses(v=6).map(lambda a: f"{a}%eth0")
    | st.sampled_from(["0.0.0.0", "::", "127.0.0.1", "224.0.0.251", "::ffff:198.18.5.1"])
)
_policies = st.lists(
    st.builds(
        DevicePolicy,
        mac=_macs,
        ips=st.lists(_ips, max_size=4).map(tuple),
        block_trackers=st.booleans(),
        block_internet=st.booleans(),
        block_bypass=st.booleans(),
    ),
    max_size=8,
)
_interfaces = st.lists(_hostile | st.sampled_from(["br0", "br-lan", "wlan0", "eth0.2"]), max_size=5)


def _valid_element(set_type: str, value: object) -> bool:
    if not isinstance(value, str):
        return False
    if set_type == "ether_addr":
        return bool(_MAC.fullmatch(value))
    if set_type == "ifname":
        return safe_interfaces([value]) == [value]
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        return False
    return addr.compressed == value and addr.version == (4 if set_type == "ipv4_addr" else 6)


@given(_policies, _interfaces)
@SETTINGS
def test_device_data_only_ever_becomes_set_elements(
    policies: list[DevicePolicy], interfaces: list[str]
) -> None:
    transaction = build_ruleset(policies, interfaces)
    # Valid JSON, nothing that json cannot represent faithfully.
    assert json.loads(json.dumps(transaction, allow_nan=False)) == transaction
    for command in transaction["nftables"]:
        ((verb, body),) = command.items()
        ((kind, _),) = body.items()
        assert (verb, kind) in _VERBS
    # Everything but the elements is the same for every input: rules, sets, chains.
    assert _without_elements(transaction) == _without_elements(build_ruleset([], ()))
    types = _set_types(transaction)
    for name, elems in _elements(transaction).items():
        assert name.startswith(("bt_", "bi_", "bb_", "lan_if", "doh"))
        assert elems
        assert len(elems) == len(set(elems))
        assert all(_valid_element(types[name], value) for value in elems), (name, elems)
    FakeNft().apply(transaction)  # nft would take it


@given(_policies, _interfaces)
@SETTINGS
def test_build_then_read_back_is_the_desired_state(
    policies: list[DevicePolicy], interfaces: list[str]
) -> None:
    kernel = FakeNft()
    kernel.apply(build_ruleset(policies, interfaces))
    state = parse_state(kernel.listing(), policies, interfaces, dns_snippet_current=True)
    assert state.rules_intact
    assert state.in_sync
    assert state.block_trackers == {
        m for p in policies if p.block_trackers and (m := normalize_mac(p.mac))
    }
    assert state.block_internet == {
        m for p in policies if p.block_internet and (m := normalize_mac(p.mac))
    }
    assert state.block_bypass == {
        m for p in policies if p.block_bypass and (m := normalize_mac(p.mac))
    }
    assert state.shared_addresses == frozenset()
    assert state.observes_bypass
    assert state.bypass_flows == ()


@given(_policies, _policies)
@SETTINGS
def test_reapplying_keeps_dns_answers_and_replaces_devices(
    first: list[DevicePolicy], second: list[DevicePolicy]
) -> None:
    kernel = FakeNft()
    kernel.apply(build_ruleset(first, ["br0"]))
    kernel.add_elements("trackers4", ["203.0.113.10", "203.0.113.99"])
    kernel.add_elements("allowed4", ["203.0.113.99"])
    kernel.apply(build_ruleset(second, ["br0"], evidence_sets_exist=True))
    state = parse_state(kernel.listing(), second, ["br0"], dns_snippet_current=True)
    assert state.in_sync
    assert state.tracker_addresses == 2
    assert state.shared_addresses == {"203.0.113.99"}


def test_a_scoped_ipv6_address_is_left_out() -> None:
    """nft reads "fe80::1%eth0" as a host name and refuses the whole transaction."""
    transaction = build_ruleset(
        [DevicePolicy("14:11:5d:00:00:01", ("fe80::1%eth0", "fe80::2"), block_trackers=True)]
    )
    assert _elements(transaction)["bt_ip6"] == ["fe80::2"]


def test_the_table_is_ours_only() -> None:
    for command in build_ruleset(golden.POLICIES, golden.LAN_INTERFACES)["nftables"]:
        ((_, body),) = command.items()
        ((kind, spec),) = body.items()
        assert spec["family"] == FAMILY
        assert (spec["name"] if kind == "table" else spec["table"]) == TABLE
    assert build_delete() == {
        "nftables": [{"delete": {"table": {"family": "inet", "name": TABLE}}}]
    }
