"""How FTL decides to block a query, over the Pi-hole emulator's state.

Which client entry gives a client its groups (``get_client_groupids``): the entry
for its IP, else the subnet entry with the longest prefix containing it, else the
entry for its MAC address, else the ``Default`` group; disabled groups count
nothing. Which entries block a name: an allow entry (exact or regex) in one of
the client's groups wins; else an exact deny entry for the name or a regex deny
entry matching it (case-insensitive search, as FTL's TRE with ``REG_ICASE``;
Python's ``re`` reads the escaped alternations we write the same way).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from .pihole import PiholeEmulator


def client_groups(pihole: PiholeEmulator, client_ip: str, mac: str | None = None) -> list[int]:
    """The enabled groups FTL gives the client at ``client_ip`` (with ``mac``)."""
    address = ipaddress.ip_address(client_ip)
    rows = {str(c["client"]).lower(): c for c in pihole.clients}
    row = rows.get(str(address))
    if row is None:
        best: tuple[int, dict[str, Any]] | None = None
        for key, candidate in rows.items():
            try:
                net = ipaddress.ip_network(key, strict=False) if "/" in key else None
            except ValueError:
                net = None
            if net is None or net.version != address.version or address not in net:
                continue
            if best is None or net.prefixlen > best[0]:
                best = (net.prefixlen, candidate)
        row = best[1] if best else None
    if row is None and mac is not None:
        row = rows.get(mac.lower())
    groups = row["groups"] if row is not None else [0]
    enabled = {g["id"] for g in pihole.groups if g["enabled"]}
    return [g for g in groups if isinstance(g, int) and g in enabled]


def blocks(pihole: PiholeEmulator, name: str, client_ip: str, mac: str | None = None) -> bool:
    """Whether FTL blocks a query for ``name`` from the client."""
    groups = set(client_groups(pihole, client_ip, mac))
    name = name.rstrip(".").lower()

    def hit(type_: str) -> bool:
        for row in pihole.domains:
            if row["type"] != type_ or not row["enabled"] or not groups & set(row["groups"]):
                continue
            if row["kind"] == "exact" and row["domain"] == name:
                return True
            if row["kind"] == "regex" and re.search(row["domain"], name, re.IGNORECASE):
                return True
        return False

    return not hit("allow") and hit("deny")
