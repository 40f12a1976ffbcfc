"""IPv6 reverse lookups (``ip6.arpa``) of the home's own prefixes, for PTR-sweep detection.

An inventory SDK that names every device asks the router's DNS for the PTR record
of each address; on IPv6 that is one ``<32 nibbles>.ip6.arpa`` name per address.
Only lookups of addresses *in the home* count towards a sweep: unique local
(``fc00::/7``) and link-local (``fe80::/10``) addresses always, and the global /64
prefixes the home's devices were seen using (:meth:`HomePrefixes.learn`, fed with
the IPv6 source addresses of the router's DNS clients), at most ``max_prefixes``,
least recently seen forgotten first. Looking up the name of an Internet address
(a server) says nothing about the LAN. Pure; nothing here raises on input.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict

from .mdns_query import reverse_address

__all__ = ["HomePrefixes", "ip6_ptr_address"]

_ALWAYS = (ipaddress.IPv6Network("fc00::/7"), ipaddress.IPv6Network("fe80::/10"))
_MAX_NAME = 73  # 32 nibbles, 32 dots, "ip6.arpa" (and a trailing dot)


def ip6_ptr_address(name: str) -> ipaddress.IPv6Address | None:
    """Return the address a full ``ip6.arpa`` name asks about (lower-case name), else None."""
    if not isinstance(name, str) or len(name) > _MAX_NAME:
        return None
    text = reverse_address(name.lower().rstrip("."))
    if text is None or ":" not in text:
        return None
    return ipaddress.IPv6Address(text)


class HomePrefixes:
    """The IPv6 prefixes the home uses: ULA, link-local and the learnt global /64s."""

    def __init__(self, max_prefixes: int = 16) -> None:
        """Remember at most ``max_prefixes`` global /64 prefixes."""
        self._max = max(1, max_prefixes)
        self._learnt: OrderedDict[int, None] = OrderedDict()

    @property
    def learnt(self) -> tuple[str, ...]:
        """The learnt global prefixes, least recently seen first."""
        return tuple(str(ipaddress.IPv6Network((prefix << 64, 64))) for prefix in self._learnt)

    def learn(self, address: object) -> None:
        """Note the /64 of one LAN device's global unicast IPv6 address."""
        if not isinstance(address, str) or ":" not in address or len(address) > 64:
            return
        try:
            parsed = ipaddress.IPv6Address(address.split("%", 1)[0])
        except ValueError:
            return
        if not parsed.is_global or parsed.ipv4_mapped is not None:
            return
        prefix = int(parsed) >> 64
        self._learnt.pop(prefix, None)
        self._learnt[prefix] = None
        while len(self._learnt) > self._max:
            self._learnt.popitem(last=False)

    def __contains__(self, address: object) -> bool:
        """Return whether ``address`` (an IPv6Address) is in one of the home's prefixes."""
        if not isinstance(address, ipaddress.IPv6Address):
            return False
        return any(address in net for net in _ALWAYS) or int(address) >> 64 in self._learnt
