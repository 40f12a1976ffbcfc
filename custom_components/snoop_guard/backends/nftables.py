"""Our own nftables table, built as nftables JSON.

Everything is written as one JSON transaction (``nft -j -f -`` on stdin), so no
name ever passes through a shell or the nft language parser. Only values we
validated ourselves (MAC and IP addresses) become set elements; host names and
domains never appear in the ruleset at all.

Layout of ``table inet snoop_guard``:

* ``trackers4``/``trackers6``: tracker addresses, filled by dnsmasq's
  ``nftset=`` as the LAN resolves tracker domains (element timeout one day).
* ``allowed4``/``allowed6``: addresses of names on the functional allow-list,
  filled the same way. An address in both (a CDN or load balancer shared by a
  tracker and a name the device needs) is never rejected: the needed name wins,
  at the price of the tracker on that same address staying reachable.
* ``bt_mac``/``bt_ip4``/``bt_ip6``: devices whose trackers are blocked.
* ``bi_mac``/``bi_ip4``/``bi_ip6``: devices cut off from the internet.
* ``bb_mac``/``bb_ip4``/``bb_ip6``: devices whose DNS bypass is blocked (the same
  redirect and DoT/DoH rejects as tracker-blocked devices, nothing else).
* ``doh4``/``doh6``: the anycast addresses of public DNS-over-HTTPS resolvers
  (bundled list, ``engine.dns_bypass.DOH_ADDRESSES``) and the ``doh_addresses``
  the caller learnt (what the home's DNS answered for DoH bootstrap names).
* ``seen4``/``seen6``: evidence of DNS bypass, ``MAC . address . port`` elements
  the packet path adds (``update``) for LAN traffic leaving the LAN to port 53 or
  853, or to a DoH resolver address on port 443. Bounded (``SEEN_SIZE``), each
  element expires ``SEEN_TIMEOUT`` seconds after its last packet; never flushed.
* ``lan_if``: the router's LAN interfaces (where its clients are seen).
* chain ``forward`` (filter, priority -10): rejects blocked devices' traffic to
  tracker addresses that are not allowed addresses, DNS-over-TLS/QUIC, and all
  traffic of devices cut off from the internet that leaves through a non-LAN
  interface; tracker- and bypass-blocked devices' DoH to ``doh4``/``doh6``; then
  records bypass evidence in ``seen4``/``seen6``. Routers with ``br_netfilter``
  loaded pass bridged LAN traffic through this hook too (in and out on the
  bridge), hence the ``lan_if`` exception: the LAN stays reachable.
* chain ``dns_redirect`` (nat prerouting): sends blocked and bypass-blocked devices' plain DNS to
  the router's own resolver, so hard-coded resolvers cannot bypass the block.

Re-applying never flushes the address sets: addresses learnt from DNS stay.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ..engine.dns_bypass import DOH_ADDRESSES
from ..engine.routerdata import normalize_mac
from .base import BackendResponseError, BypassFlow, DevicePolicy, EnforcedState

FAMILY: Final = "inet"
TABLE: Final = "snoop_guard"
TRACKER_SET_TIMEOUT: Final = 86400
SEEN_TIMEOUT: Final = 3600
SEEN_SIZE: Final = 1024

_SET_TYPES: Final[dict[str, str | list[str]]] = {
    "trackers4": "ipv4_addr",
    "trackers6": "ipv6_addr",
    "allowed4": "ipv4_addr",
    "allowed6": "ipv6_addr",
    "bt_mac": "ether_addr",
    "bt_ip4": "ipv4_addr",
    "bt_ip6": "ipv6_addr",
    "bi_mac": "ether_addr",
    "bi_ip4": "ipv4_addr",
    "bi_ip6": "ipv6_addr",
    "bb_mac": "ether_addr",
    "bb_ip4": "ipv4_addr",
    "bb_ip6": "ipv6_addr",
    "doh4": "ipv4_addr",
    "doh6": "ipv6_addr",
    "seen4": ["ether_addr", "ipv4_addr", "inet_service"],
    "seen6": ["ether_addr", "ipv6_addr", "inet_service"],
    "lan_if": "ifname",
}
_TRACKER_SETS: Final = ("trackers4", "trackers6")
_ALLOWED_SETS: Final = ("allowed4", "allowed6")
# Sets dnsmasq fills from DNS answers: elements expire, re-applying keeps them.
_DNS_SETS: Final = (*_TRACKER_SETS, *_ALLOWED_SETS)
_ADDRESS_FAMILIES: Final = (("ip", "trackers4", "allowed4"), ("ip6", "trackers6", "allowed6"))
# (address family, evidence set the packet path fills, DoH resolver addresses).
_SEEN_FAMILIES: Final = (("ip", "seen4", "doh4"), ("ip6", "seen6", "doh6"))
_SEEN_SETS: Final = ("seen4", "seen6")
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
        for fam, tset, aset in _ADDRESS_FAMILIES:
            if family and family != fam:
                continue
            dest = _match(_payload(fam, "daddr"), f"@{tset}")
            # An answer for an allow-listed name wins over a tracker's at the same address.
            needed = _match(_payload(fam, "daddr"), f"@{aset}", op="!=")
            forward.append(
                (
                    f"sg:bt-{suffix}-{fam}-tcp",
                    [
                        device,
                        dest,
                        needed,
                        _match(_L4PROTO, "tcp"),
                        {"counter": None},
                        _REJECT_TCP,
                    ],
                )
            )
            forward.append(
                (
                    f"sg:bt-{suffix}-{fam}",
                    [device, dest, needed, {"counter": None}, _REJECT_OTHER],
                )
            )
    for prefix, dns_comment in (("bt", "sg:dns-{}"), ("bb", "sg:bb-dns-{}")):
        for suffix, selector, family in _sources():
            device = _match(selector, f"@{prefix}_{suffix}")
            forward.extend(_encrypted_dns_rules(prefix, suffix, device, family))
            redirect.append(
                (
                    dns_comment.format(suffix),
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
    forward.extend(_seen_rules())
    return {"forward": forward, "dns_redirect": redirect}


def _encrypted_dns_rules(
    prefix: str, suffix: str, device: Json, family: str
) -> list[tuple[str, list[Json]]]:
    """Reject a device's DNS-over-TLS/QUIC and DoH to known resolvers (bypassing our DNS)."""
    rules: list[tuple[str, list[Json]]] = [
        (
            f"sg:{prefix}-{suffix}-dot",
            [
                device,
                _match(_L4PROTO, {"set": ["tcp", "udp"]}),
                _match(_payload("th", "dport"), 853),
                {"counter": None},
                _REJECT_OTHER,
            ],
        )
    ]
    for fam, _seen, doh in _SEEN_FAMILIES:
        if family and family != fam:
            continue
        dest = _match(_payload(fam, "daddr"), f"@{doh}")
        # HTTPS over TCP, and over QUIC (UDP). Written the way nft lists them.
        for proto, verdict, tail in (("tcp", _REJECT_TCP, "-tcp"), ("udp", _REJECT_OTHER, "")):
            https = _match(_payload(proto, "dport"), 443)
            rules.append(
                (
                    f"sg:{prefix}-{suffix}-doh-{fam}{tail}",
                    [device, dest, https, {"counter": None}, verdict],
                )
            )
    return rules


def _seen_rules() -> list[tuple[str, list[Json]]]:
    """Record who sends DNS past the router: ``MAC . address . port`` in ``seen4``/``seen6``.

    Only traffic that came in on a LAN interface and leaves through another one
    (the internet): DNS to the router itself never passes the forward hook, and a
    second resolver on the LAN is still the home's DNS. ``ip daddr`` implies the
    address family (nft adds the dependency itself and lists the rule without it).
    """
    rules: list[tuple[str, list[Json]]] = []
    from_lan = [
        _match({"meta": {"key": "iifname"}}, "@lan_if"),
        _match({"meta": {"key": "oifname"}}, "@lan_if", op="!="),
        _match(_L4PROTO, {"set": ["tcp", "udp"]}),
    ]
    for fam, seen, doh in _SEEN_FAMILIES:
        record: Json = {
            "set": {
                "op": "update",
                "elem": {
                    "concat": [
                        _payload("ether", "saddr"),
                        _payload(fam, "daddr"),
                        _payload("th", "dport"),
                    ]
                },
                "set": f"@{seen}",
            }
        }
        rules.append(
            (
                f"sg:seen-dns-{fam}",
                [
                    *from_lan,
                    _match(_payload("th", "dport"), {"set": [53, 853]}),
                    record,
                ],
            )
        )
        rules.append(
            (
                f"sg:seen-doh-{fam}",
                [
                    *from_lan,
                    _match(_payload(fam, "daddr"), f"@{doh}"),
                    _match(_payload("th", "dport"), 443),
                    record,
                ],
            )
        )
    return rules


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
        if isinstance(addr, ipaddress.IPv6Address) and addr.scope_id is not None:
            continue  # "fe80::1%eth0": nft would try to resolve it as a host name
        (v4 if addr.version == 4 else v6).append(addr.compressed)
    # In numeric order, as nft lists them.
    return sorted(set(v4), key=ipaddress.IPv4Address), sorted(set(v6), key=ipaddress.IPv6Address)


def _elements(policies: Sequence[DevicePolicy], prefix: str) -> dict[str, list[str]]:
    flag = {"bt": "block_trackers", "bi": "block_internet", "bb": "block_bypass"}[prefix]
    pick = [p for p in policies if getattr(p, flag)]
    macs = sorted({m for p in pick if (m := normalize_mac(p.mac))})
    v4, v6 = _split_addresses(ip for p in pick for ip in p.ips)
    return {f"{prefix}_mac": macs, f"{prefix}_ip4": v4, f"{prefix}_ip6": v6}


_IFNAME = re.compile(r"^[A-Za-z0-9_.:-]{1,15}$")


def safe_interfaces(names: Iterable[str]) -> list[str]:
    """Return valid Linux interface names, sorted (anything else is dropped)."""
    return sorted({n for n in names if _IFNAME.fullmatch(n)})


def build_ruleset(
    policies: Sequence[DevicePolicy],
    lan_interfaces: Iterable[str] = (),
    doh_addresses: Iterable[str] = (),
    *,
    evidence_sets_exist: bool = False,
) -> Json:
    """Return the nftables JSON transaction that installs our table and policies.

    ``evidence_sets_exist``: ``seen4``/``seen6`` are there already. The kernel marks
    a set the packet path updates as ``dynamic``, nft 1.0.6 cannot say ``dynamic`` in
    JSON, and adding the set again without it fails ("File exists"): leave them out.
    """
    base = {"family": FAMILY, "table": TABLE}
    cmds: list[Json] = [{"add": {"table": {"family": FAMILY, "name": TABLE}}}]
    for name, set_type in _SET_TYPES.items():
        if evidence_sets_exist and name in _SEEN_SETS:
            continue
        spec: Json = {**base, "name": name, "type": set_type}
        if name in _DNS_SETS:
            spec |= {"flags": ["timeout"], "timeout": TRACKER_SET_TIMEOUT}
        elif name in _SEEN_SETS:
            spec |= {"flags": ["timeout"], "timeout": SEEN_TIMEOUT, "size": SEEN_SIZE}
        cmds.append({"add": {"set": spec}})
    for name, hook in _CHAINS.items():
        cmds.append({"add": {"chain": {**base, "name": name, **hook}}})
        cmds.append({"flush": {"chain": {**base, "name": name}}})
    for chain, rules in expected_rules().items():
        for comment, expr in rules:
            cmds.append(
                {"add": {"rule": {**base, "chain": chain, "comment": comment, "expr": expr}}}
            )
    elements = _wanted_elements(policies, lan_interfaces, doh_addresses)
    for name, elems in elements.items():
        cmds.append({"flush": {"set": {**base, "name": name}}})
        if elems:
            cmds.append({"add": {"element": {**base, "name": name, "elem": elems}}})
    return {"nftables": cmds}


def _wanted_elements(
    policies: Sequence[DevicePolicy], lan_interfaces: Iterable[str], doh_addresses: Iterable[str]
) -> dict[str, list[str]]:
    doh4, doh6 = _split_addresses([*DOH_ADDRESSES, *doh_addresses])
    return (
        _elements(policies, "bt")
        | _elements(policies, "bi")
        | _elements(policies, "bb")
        | {"doh4": doh4, "doh6": doh6, "lan_if": safe_interfaces(lan_interfaces)}
    )


def build_delete() -> Json:
    """Return the transaction that removes our table."""
    return {"nftables": [{"delete": {"table": {"family": FAMILY, "name": TABLE}}}]}


type _RuleKey = tuple[str, frozenset[str]]
"""A rule as read back: its comment and the sets it refers to (``@trackers4``...)."""


def _set_refs(expr: object) -> frozenset[str]:
    """Return every set reference (``"@name"``) anywhere in a rule's expressions."""
    found: set[str] = set()
    todo = [expr]
    while todo:
        item = todo.pop()
        if isinstance(item, str) and item.startswith("@"):
            found.add(item)
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return frozenset(found)


def _expected_rule_keys() -> dict[str, list[_RuleKey]]:
    return {
        chain: [(comment, _set_refs(expr)) for comment, expr in rules]
        for chain, rules in expected_rules().items()
    }


@dataclass(frozen=True, slots=True)
class _Listing:
    sets: dict[str, list[object]]
    set_types: dict[str, object]
    set_timeouts: dict[str, object]
    chains: dict[str, list[_RuleKey]]
    chain_hooks: dict[str, tuple[object, object]]


def _parse_listing(data: object) -> _Listing:
    if not isinstance(data, dict) or not isinstance(data.get("nftables"), list):
        raise BackendResponseError("nft listing is not nftables JSON")
    sets: dict[str, list[object]] = {}
    types: dict[str, object] = {}
    timeouts: dict[str, object] = {}
    chains: dict[str, list[_RuleKey]] = {}
    hooks: dict[str, tuple[object, object]] = {}
    for item in data["nftables"]:
        if not isinstance(item, dict):
            continue
        if isinstance(nft_set := item.get("set"), dict) and nft_set.get("table") == TABLE:
            elems = nft_set.get("elem", [])
            sets[str(nft_set.get("name"))] = elems if isinstance(elems, list) else []
            types[str(nft_set.get("name"))] = nft_set.get("type")
            timeouts[str(nft_set.get("name"))] = nft_set.get("timeout")
        elif isinstance(chain := item.get("chain"), dict) and chain.get("table") == TABLE:
            chains.setdefault(str(chain.get("name")), [])
            hooks[str(chain.get("name"))] = (chain.get("hook"), chain.get("type"))
        elif isinstance(rule := item.get("rule"), dict) and rule.get("table") == TABLE:
            key = (str(rule.get("comment", "")), _set_refs(rule.get("expr")))
            chains.setdefault(str(rule.get("chain")), []).append(key)
    return _Listing(sets, types, timeouts, chains, hooks)


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


def _seconds(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _seen_flow(elem: object, set_timeout: object) -> BypassFlow | None:
    """Read one ``MAC . address . port`` element; None for anything else."""
    timeout, expires = set_timeout, None
    if isinstance(elem, dict) and isinstance(inner := elem.get("elem"), dict):
        timeout = inner.get("timeout", set_timeout)
        expires = inner.get("expires")
        elem = inner.get("val")
    if not isinstance(elem, dict) or not isinstance(parts := elem.get("concat"), list):
        return None
    if len(parts) != 3 or not all(isinstance(p, str) for p in parts[:2]):
        return None
    mac, raw_address, port = parts
    address = _normalise_element("seen", str(raw_address))
    if (mac := normalize_mac(str(mac))) is None or address is None:
        return None
    if _seconds(port) is None or port > 65535:
        return None
    total, left = _seconds(timeout), _seconds(expires)
    ago = total - left if total is not None and left is not None and left <= total else None
    return BypassFlow(mac=mac, address=address, port=port, seconds_ago=ago)


def _seen_flows(listing: _Listing) -> tuple[BypassFlow, ...]:
    flows = {
        flow
        for name in _SEEN_SETS
        for elem in listing.sets.get(name, [])[:SEEN_SIZE]
        if (flow := _seen_flow(elem, listing.set_timeouts.get(name))) is not None
    }
    return tuple(sorted(flows, key=lambda f: (f.mac, f.address, f.port)))


def parse_state(
    data: object,
    policies: Sequence[DevicePolicy],
    lan_interfaces: Iterable[str] = (),
    *,
    dns_snippet_current: bool,
    doh_addresses: Iterable[str] = (),
) -> EnforcedState:
    """Read our table's nftables JSON listing back and compare it with ``policies``."""
    listing = _parse_listing(data)
    # Rules are recognised by comment and by the sets they use, so a table left by an
    # older version (tracker rules without the allowed-address exception) is re-applied.
    intact = all(listing.set_types.get(name) == kind for name, kind in _SET_TYPES.items()) and all(
        listing.chains.get(chain) == keys
        and listing.chain_hooks.get(chain) == (_CHAINS[chain]["hook"], _CHAINS[chain]["type"])
        for chain, keys in _expected_rule_keys().items()
    )

    def elements(name: str) -> frozenset[str]:
        values = (_element_value(e) for e in listing.sets.get(name, []))
        return frozenset(n for v in values if v and (n := _normalise_element(name, v)))

    wanted = _wanted_elements(policies, lan_interfaces, doh_addresses)
    sets_match = all(elements(name) == set(elems) for name, elems in wanted.items())
    shared = frozenset[str]().union(
        *(elements(tset) & elements(aset) for _fam, tset, aset in _ADDRESS_FAMILIES)
    )
    return EnforcedState(
        table_present=True,
        rules_intact=intact,
        in_sync=intact and sets_match and dns_snippet_current,
        block_trackers=elements("bt_mac"),
        block_internet=elements("bi_mac"),
        tracker_addresses=sum(len(listing.sets.get(s, [])) for s in _TRACKER_SETS),
        dns_snippet_current=dns_snippet_current,
        allowed_addresses=sum(len(listing.sets.get(s, [])) for s in _ALLOWED_SETS),
        shared_addresses=shared,
        block_bypass=elements("bb_mac"),
        observes_bypass=intact,
        bypass_flows=_seen_flows(listing),
    )
