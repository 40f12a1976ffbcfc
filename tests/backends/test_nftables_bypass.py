"""DNS bypass in our nftables table: the evidence sets, their read-back, and the bypass block.

``seen4``/``seen6`` are filled by the packet path (``update``) with ``MAC .
address . port`` for LAN traffic to port 53/853 on the internet, or to a known
DoH resolver on 443; ``bb_*`` devices get the DNS redirect and the DoT/DoH
rejects that tracker-blocked devices get.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.snoop_guard.backends.base import BypassFlow, DevicePolicy
from custom_components.snoop_guard.backends.nftables import (
    SEEN_SIZE,
    SEEN_TIMEOUT,
    build_ruleset,
    expected_rules,
    parse_state,
)
from custom_components.snoop_guard.engine.dns_bypass import DOH_ADDRESSES
from tests.fakes import FakeNft, FakeRouter, NftError

from . import golden
from .test_nftables import SETTINGS

TV = "00:0e:58:00:00:03"  # block_bypass in golden.POLICIES


def _load() -> Any:
    return json.loads((golden.DATA / "listing.json").read_text())


def _state(listing: Any, policies: tuple[DevicePolicy, ...] = golden.POLICIES) -> Any:
    return parse_state(listing, policies, golden.LAN_INTERFACES, dns_snippet_current=True)


def _set(listing: Any, name: str) -> dict[str, Any]:
    return next(i["set"] for i in listing["nftables"] if i.get("set", {}).get("name") == name)


def _rules(chain: str) -> dict[str, str]:
    return {comment: json.dumps(expr) for comment, expr in expected_rules()[chain]}


def test_the_real_listing_reads_back_the_evidence() -> None:
    state = _state(_load())
    assert state.in_sync
    assert state.observes_bypass
    assert state.block_bypass == {TV}
    flows = {(f.mac, f.address, f.port) for f in state.bypass_flows}
    assert flows == {(mac, address, port) for _set_name, mac, address, port in golden.SEEN}
    for flow in state.bypass_flows:
        assert flow.seconds_ago is not None
        assert 0 <= flow.seconds_ago < 60  # captured seconds after the elements were added


def test_evidence_sets_are_bounded_expire_and_are_never_flushed() -> None:
    transaction = golden.ruleset()["nftables"]
    specs = {
        c["add"]["set"]["name"]: c["add"]["set"] for c in transaction if "set" in c.get("add", {})
    }
    flushed = {c["flush"]["set"]["name"] for c in transaction if "set" in c.get("flush", {})}
    for name, family in (("seen4", "ipv4_addr"), ("seen6", "ipv6_addr")):
        assert specs[name]["type"] == ["ether_addr", family, "inet_service"]
        assert specs[name]["timeout"] == SEEN_TIMEOUT
        assert specs[name]["size"] == SEEN_SIZE
        assert name not in flushed


def test_the_doh_sets_hold_the_bundled_resolver_addresses() -> None:
    listing = _load()
    listed = {e for name in ("doh4", "doh6") for e in _set(listing, name).get("elem", [])}
    assert listed == DOH_ADDRESSES
    _set(listing, "doh4")["elem"].remove("8.8.8.8")
    assert not _state(listing).in_sync  # re-applied: the list is ours


def test_evidence_is_only_traffic_that_leaves_the_lan_after_the_rejects() -> None:
    forward = expected_rules()["forward"]
    comments = [comment for comment, _expr in forward]
    seen = [i for i, c in enumerate(comments) if c.startswith("sg:seen-")]
    verdicts = [i for i, (_c, expr) in enumerate(forward) if "reject" in json.dumps(expr)]
    assert len(seen) == 4
    assert min(seen) > max(verdicts)
    for index in seen:
        text = json.dumps(forward[index][1])
        assert '"op": "update"' in text
        assert '"iifname"}}, "right": "@lan_if"' in text
        assert '"op": "!=", "left": {"meta": {"key": "oifname"}}, "right": "@lan_if"' in text
    rules = _rules("forward")
    assert "[53, 853]" in rules["sg:seen-dns-ip"]
    assert "@doh4" in rules["sg:seen-doh-ip"]
    assert "443" in rules["sg:seen-doh-ip"]
    assert "@doh6" in rules["sg:seen-doh-ip6"]


def test_a_bypass_blocked_device_gets_the_redirect_and_the_encrypted_dns_rejects() -> None:
    forward, redirect = _rules("forward"), _rules("dns_redirect")
    for suffix in ("mac", "ip4", "ip6"):
        assert '"right": 53' in redirect[f"sg:bb-dns-{suffix}"]
        assert '"redirect"' in redirect[f"sg:bb-dns-{suffix}"]
        assert "853" in forward[f"sg:bb-{suffix}-dot"]
    for comment in ("sg:bb-mac-doh-ip-tcp", "sg:bb-ip4-doh-ip-tcp", "sg:bb-ip6-doh-ip6-tcp"):
        assert "tcp reset" in forward[comment]
    for comment in ("sg:bb-mac-doh-ip6", "sg:bt-mac-doh-ip", "sg:bt-ip4-doh-ip"):
        assert comment in forward
    # ... and nothing else: no tracker rejects, no internet cut.
    bb_rules = [c for c, text in forward.items() if "@bb_" in text]
    assert all("-dot" in c or "-doh-" in c for c in bb_rules)
    assert all("@trackers" not in forward[c] for c in bb_rules)


async def test_the_fake_router_records_and_blocks_like_the_rules() -> None:
    router = FakeRouter()
    tv = DevicePolicy("a4:77:33:00:00:04", ("198.18.5.40",))
    router.nft.apply(build_ruleset([tv], ["br0"]))
    assert router.send_dns(tv.mac, "198.51.100.53", 53)
    assert router.send_dns(tv.mac, "8.8.8.8", 443)
    assert router.send_dns(tv.mac, "198.51.100.80", 443)  # ordinary HTTPS: no evidence
    state = parse_state(router.nft.listing(), [tv], ["br0"], dns_snippet_current=True)
    assert {(f.address, f.port) for f in state.bypass_flows} == {
        ("198.51.100.53", 53),
        ("8.8.8.8", 443),
    }
    blocked = DevicePolicy(tv.mac, tv.ips, block_bypass=True)
    with pytest.raises(NftError):  # as nft 1.0.6: the kernel made the evidence sets dynamic
        router.nft.apply(build_ruleset([blocked], ["br0"]))
    router.nft.apply(build_ruleset([blocked], ["br0"], evidence_sets_exist=True))
    assert not router.send_dns(tv.mac, "9.9.9.9", 853)
    assert not router.send_dns(tv.mac, "1.1.1.1", 443)
    state = parse_state(router.nft.listing(), [blocked], ["br0"], dns_snippet_current=True)
    assert state.in_sync
    assert state.block_bypass == {tv.mac}
    assert len(state.bypass_flows) == 2  # the evidence from before survives re-applying


def test_evidence_never_affects_sync_and_is_lost_with_a_broken_table() -> None:
    listing = _load()
    _set(listing, "seen4")["elem"] = [
        {"elem": {"val": {"concat": [f"a4:77:33:00:00:{n:02x}", "198.51.100.53", 53]}}}
        for n in range(200)
    ]
    state = _state(listing)
    assert state.in_sync
    assert len(state.bypass_flows) == 201  # plus the IPv6 one
    broken = copy.deepcopy(listing)
    broken["nftables"] = [
        i for i in broken["nftables"] if i.get("rule", {}).get("comment") != "sg:seen-dns-ip"
    ]
    assert not _state(broken).observes_bypass


def test_the_element_lifetime_gives_the_age() -> None:
    listing = _load()
    _set(listing, "seen4")["elem"] = [
        {"elem": {"val": {"concat": ["a4:77:33:00:00:01", "198.51.100.53", 53]}, "expires": 600}},
        {
            "elem": {
                "val": {"concat": ["a4:77:33:00:00:02", "198.51.100.53", 53]},
                "timeout": 60,
                "expires": 10,
            }
        },
        {"concat": ["A4-77-33-00-00-03", "198.51.100.53", 853]},
    ]
    flows = [f for f in _state(listing).bypass_flows if f.address == "198.51.100.53"]
    assert flows == [
        BypassFlow("a4:77:33:00:00:01", "198.51.100.53", 53, SEEN_TIMEOUT - 600),
        BypassFlow("a4:77:33:00:00:02", "198.51.100.53", 53, 50),
        BypassFlow("a4:77:33:00:00:03", "198.51.100.53", 853, None),
    ]


_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=20,
)
_parts = st.lists(
    _junk | st.sampled_from(["a4:77:33:00:00:01", "198.51.100.53", "fe80::1%eth0", 53, 70000]),
    max_size=4,
)


@given(st.lists(_junk | _parts.map(lambda p: {"concat": p}), max_size=6))
@SETTINGS
def test_junk_evidence_never_crashes_and_yields_only_valid_flows(junk: list[object]) -> None:
    listing = _load()
    _set(listing, "seen4")["elem"] = junk + [{"elem": {"val": j, "expires": j}} for j in junk]
    state = _state(listing)
    assert state.in_sync
    for flow in state.bypass_flows:
        assert len(flow.mac) == 17
        assert 0 <= flow.port <= 65535
        assert "%" not in flow.address
        assert flow.seconds_ago is None or flow.seconds_ago >= 0


def test_the_fake_kernel_takes_only_well_formed_evidence() -> None:
    kernel = FakeNft()
    kernel.apply(golden.ruleset())
    before = kernel.listing()
    for bad in (
        {"concat": ["a4:77:33:00:00:01", "198.51.100.53"]},
        {"concat": ["a4:77:33:00:00:01", "2001:db8::1", 53]},
        {"concat": ["a4:77:33:00:00:01", "198.51.100.53", 70000]},
        "a4:77:33:00:00:01 . 198.51.100.53 . 53",
    ):
        with pytest.raises(NftError):
            kernel.add_elements("seen4", [bad])
    assert kernel.listing() == before


def test_learnt_doh_addresses_join_the_bundled_ones() -> None:
    learnt = ["203.0.113.53", "2001:db8::53", "dns.google; reboot", "fe80::1%eth0", "8.8.8.8"]
    kernel = FakeNft()
    kernel.apply(build_ruleset([], ["br0"], learnt))
    listing = kernel.listing()
    doh4 = set(_set(listing, "doh4")["elem"])
    assert doh4 == {a for a in DOH_ADDRESSES if "." in a} | {"203.0.113.53"}
    assert "2001:db8::53" in _set(listing, "doh6")["elem"]
    state = parse_state(listing, [], ["br0"], dns_snippet_current=True, doh_addresses=learnt)
    assert state.in_sync
    # Forgotten (or newly learnt) addresses are re-applied.
    assert not parse_state(listing, [], ["br0"], dns_snippet_current=True).in_sync
