"""Our own nftables table, built as nftables JSON.

Everything is written as one JSON transaction (``nft -j -f -`` on stdin), so no
name ever passes through a shell or the nft language parser. Only values we
validated ourselves (MAC and IP addresses) become set elements; host names and
domains never appear in the ruleset at all.

Layout of ``table inet snoop_guard``:

* ``trackers4``/``trackers6``: tracker addresses, filled by dnsmasq's
  ``nftset=`` as the LAN resolves tracker domains (element timeout one day).
* ``bt_mac``/``bt_ip4``/``bt_ip6``: devices whose trackers are blocked.
* ``bi_mac``/``bi_ip4``/``bi_ip6``: devices cut off from the internet.
* ``lan_if``: the router's LAN interfaces (where its clients are seen).
* chain ``forward`` (filter, priority -10): rejects blocked devices' traffic to
  tracker addresses, DNS-over-TLS/QUIC, and all traffic of devices cut off
  from the internet that leaves through a non-LAN interface. Routers with
  ``br_netfilter`` loaded pass bridged LAN traffic through this hook too (in
  and out on the bridge), hence the ``lan_if`` exception: the LAN stays
  reachable.
* chain ``dns_redirect`` (nat prerouting): sends blocked devices' plain DNS to
  the router's own resolver, so hard-coded resolvers cannot bypass the block.

Re-applying never flushes the tracker sets: addresses learnt from DNS stay.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ..engine.routerdata import normalize_mac
from .base import BackendResponseError, DevicePolicy, EnforcedState

FAMILY: Final = "inet"
TABLE: Final = "snoop_guard"
TRACKER_SET_TIMEOUT: Final = 86400

_SET_TYPES: Final[dict[str, str]] = {
    "trackers4": "ipv4_addr",
    "trackers6": "ipv6_addr",
    "bt_mac": "ether_addr",
    "bt_ip4": "ipv4_addr",
    "bt_ip6": "ipv6_addr",
    "bi_mac": "ether_addr",
    "bi_ip4": "ipv4_addr",
    "bi_ip6": "ipv6_addr",
    "lan_if": "ifname",
}
_TRACKER_SETS: Final = ("trackers4", "trackers6")
_CHAINS: Final[dict[str, dict[str, Any]]] = {
    "forward": {"type": "filter", "hook": "forward", "prio": -10, "policy": "accept"},
    "dns_redirect": {"type": "nat", "hook": "prerouting", "prio": -110, "policy": "accept"},
}

type Json = dict[str, Any]


def _match(left: Json, right: object, op: str = "==") -> Json:
    return {"match": {"op": op, "left": left, "right": right}}


def _payload(protocol: str, field: str) -> Json:
    return {"payload": {"protocol": protocol, "field": field}}


_L4PROTO: Final[Json] = {"meta": {"key": "l4proto"}}
_REJECT_TCP: Final[Json] = {"reject": {"type": "tcp reset"}}
_REJECT_OTHER: Final[Json] = {"reject": {"type": "icmpx", "expr": "admin-prohibited"}}


def _sources() -> list[tuple[str, Json, str]]:
    """Each way to recognise a device: (suffix, selector, address family or '')."""
    return [
        ("mac", _payload("ether", "saddr"), ""),
        ("ip4", _payload("ip", "saddr"), "ip"),
        ("ip6", _payload("ip6", "saddr"), "ip6"),
    ]


def expected_rules() -> dict[str, list[tuple[str, list[Json]]]]:
    """Return the rules of each chain as (comment, expressions)."""
    forward: list[tuple[str, list[Json]]] = []
    redirect: list[tuple[str, list[Json]]] = []
    for suffix, selector, family in _sources():
        device = _match(selector, f"@bt_{suffix}")
        for fam, tset in (("ip", "trackers4"), ("ip6", "trackers6")):
            if family and family != fam:
                continue
            dest = _match(_payload(fam, "daddr"), f"@{tset}")
            forward.append(
                (
                    f"sg:bt-{suffix}-{fam}-tcp",
                    [device, dest, _match(_L4PROTO, "tcp"), {"counter": None}, _REJECT_TCP],
                )
            )
            forward.append(
                (f"sg:bt-{suffix}-{fam}", [device, dest, {"counter": None}, _REJECT_OTHER])
            )
        # Encrypted DNS would bypass the router's resolver (and our nftset).
        forward.append(
            (
                f"sg:bt-{suffix}-dot",
                [
                    device,
                    _match(_L4PROTO, {"set": ["tcp", "udp"]}),
                    _match(_payload("th", "dport"), 853),
                    {"counter": None},
                    _REJECT_OTHER,
                ],
            )
        )
        redirect.append(
            (
                f"sg:dns-{suffix}",
                [
                    device,
                    _match(_L4PROTO, {"set": ["tcp", "udp"]}),
                    _match(_payload("th", "dport"), 53),
                    {"counter": None},
                    {"redirect": {"port": 53}},
                ],
            )
        )
    for suffix, selector, _family in _sources():
        forward.append(
            (
                f"sg:bi-{suffix}",
                [
                    _match(selector, f"@bi_{suffix}"),
                    _match({"meta": {"key": "oifname"}}, "@lan_if", op="!="),
                    {"counter": None},
                    _REJECT_OTHER,
                ],
            )
        )
    return {"forward": forward, "dns_redirect": redirect}


def _split_addresses(ips: Iterable[str]) -> tuple[list[str], list[str]]:
    v4: list[str] = []
    v6: list[str] = []
    for raw in ips:
        try:
            addr = ipaddress.ip_address(raw)
        except ValueError:
            continue
        if addr.is_unspecified or addr.is_multicast or addr.is_loopback:
            continue
        (v4 if addr.version == 4 else v6).append(addr.compressed)
    return sorted(set(v4)), sorted(set(v6))


def _elements(policies: Sequence[DevicePolicy], prefix: str) -> dict[str, list[str]]:
    pick = [p for p in policies if (p.block_trackers if prefix == "bt" else p.block_internet)]
    macs = sorted({m for p in pick if (m := normalize_mac(p.mac))})
    v4, v6 = _split_addresses(ip for p in pick for ip in p.ips)
    return {f"{prefix}_mac": macs, f"{prefix}_ip4": v4, f"{prefix}_ip6": v6}


_IFNAME = re.compile(r"^[A-Za-z0-9_.:-]{1,15}$")


def safe_interfaces(names: Iterable[str]) -> list[str]:
    """Return valid Linux interface names, sorted (anything else is dropped)."""
    return sorted({n for n in names if _IFNAME.fullmatch(n)})


def build_ruleset(policies: Sequence[DevicePolicy], lan_interfaces: Iterable[str] = ()) -> Json:
    """Return the nftables JSON transaction that installs our table and policies."""
    base = {"family": FAMILY, "table": TABLE}
    cmds: list[Json] = [{"add": {"table": {"family": FAMILY, "name": TABLE}}}]
    for name, set_type in _SET_TYPES.items():
        spec: Json = {**base, "name": name, "type": set_type}
        if name in _TRACKER_SETS:
            spec |= {"flags": ["timeout"], "timeout": TRACKER_SET_TIMEOUT}
        cmds.append({"add": {"set": spec}})
    for name, hook in _CHAINS.items():
        cmds.append({"add": {"chain": {**base, "name": name, **hook}}})
        cmds.append({"flush": {"chain": {**base, "name": name}}})
    for chain, rules in expected_rules().items():
        for comment, expr in rules:
            cmds.append(
                {"add": {"rule": {**base, "chain": chain, "comment": comment, "expr": expr}}}
            )
    elements = _wanted_elements(policies, lan_interfaces)
    for name, elems in elements.items():
        cmds.append({"flush": {"set": {**base, "name": name}}})
        if elems:
            cmds.append({"add": {"element": {**base, "name": name, "elem": elems}}})
    return {"nftables": cmds}


def _wanted_elements(
    policies: Sequence[DevicePolicy], lan_interfaces: Iterable[str]
) -> dict[str, list[str]]:
    return (
        _elements(policies, "bt")
        | _elements(policies, "bi")
        | {"lan_if": safe_interfaces(lan_interfaces)}
    )


def build_delete() -> Json:
    """Return the transaction that removes our table."""
    return {"nftables": [{"delete": {"table": {"family": FAMILY, "name": TABLE}}}]}


@dataclass(frozen=True, slots=True)
class _Listing:
    sets: dict[str, list[object]]
    chains: dict[str, list[str]]
    chain_hooks: dict[str, tuple[object, object]]


def _parse_listing(data: object) -> _Listing:
    if not isinstance(data, dict) or not isinstance(data.get("nftables"), list):
        raise BackendResponseError("nft listing is not nftables JSON")
    sets: dict[str, list[object]] = {}
    chains: dict[str, list[str]] = {}
    hooks: dict[str, tuple[object, object]] = {}
    for item in data["nftables"]:
        if not isinstance(item, dict):
            continue
        if isinstance(nft_set := item.get("set"), dict) and nft_set.get("table") == TABLE:
            elems = nft_set.get("elem", [])
            sets[str(nft_set.get("name"))] = elems if isinstance(elems, list) else []
        elif isinstance(chain := item.get("chain"), dict) and chain.get("table") == TABLE:
            chains.setdefault(str(chain.get("name")), [])
            hooks[str(chain.get("name"))] = (chain.get("hook"), chain.get("type"))
        elif isinstance(rule := item.get("rule"), dict) and rule.get("table") == TABLE:
            chains.setdefault(str(rule.get("chain")), []).append(str(rule.get("comment", "")))
    return _Listing(sets, chains, hooks)


def _element_value(elem: object) -> str | None:
    if isinstance(elem, str):
        return elem
    if isinstance(elem, dict) and isinstance(inner := elem.get("elem"), dict):
        val = inner.get("val")
        return val if isinstance(val, str) else None
    return None


def _normalise_element(set_name: str, value: str) -> str | None:
    if set_name == "lan_if":
        return value
    if set_name.endswith("_mac"):
        return normalize_mac(value)
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        return None


def parse_state(
    data: object,
    policies: Sequence[DevicePolicy],
    lan_interfaces: Iterable[str] = (),
    *,
    dns_snippet_current: bool,
) -> EnforcedState:
    """Read our table's nftables JSON listing back and compare it with ``policies``."""
    listing = _parse_listing(data)
    want_rules = {
        chain: [comment for comment, _ in rules] for chain, rules in expected_rules().items()
    }
    intact = set(listing.sets) >= set(_SET_TYPES) and all(
        listing.chains.get(chain) == comments
        and listing.chain_hooks.get(chain) == (_CHAINS[chain]["hook"], _CHAINS[chain]["type"])
        for chain, comments in want_rules.items()
    )

    def elements(name: str) -> frozenset[str]:
        values = (_element_value(e) for e in listing.sets.get(name, []))
        return frozenset(n for v in values if v and (n := _normalise_element(name, v)))

    wanted = _wanted_elements(policies, lan_interfaces)
    sets_match = all(elements(name) == set(elems) for name, elems in wanted.items())
    return EnforcedState(
        table_present=True,
        rules_intact=intact,
        in_sync=intact and sets_match and dns_snippet_current,
        block_trackers=elements("bt_mac"),
        block_internet=elements("bi_mac"),
        tracker_addresses=sum(len(listing.sets.get(s, [])) for s in _TRACKER_SETS),
        dns_snippet_current=dns_snippet_current,
    )
