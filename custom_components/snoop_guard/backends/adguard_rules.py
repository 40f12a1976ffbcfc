"""Our marked block in AdGuard Home's user rules, as pure text functions (no I/O).

AdGuard Home keeps the user rules as a list of lines and only lets a client
replace the whole list. Snoop Guard owns one block in it, between two marker
comment lines; every line outside the markers is the user's and is passed
through as the same ``str`` object, byte for byte.

Only values we validated ever reach a rule: tracker domains that are plain DNS
names and client identities that are IP addresses or AdGuard ClientIDs. A name a
device chose (its DHCP or mDNS host name) is never written, so it cannot add a
modifier, a second rule or a line.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

BEGIN: Final = (
    "! snoop-guard:begin (managed by Home Assistant Snoop Guard; edits inside are replaced)"
)
END: Final = "! snoop-guard:end"
_TRACKERS: Final = "! snoop-guard:trackers "
_ACCESS: Final = "! snoop-guard:access "
_DIGEST: Final = "! snoop-guard:digest "

# AdGuard ClientIDs: 1 to 63 lower-case letters, digits and hyphens.
_CLIENT_ID: Final = re.compile(r"[a-z0-9-]{1,63}")
_LABEL: Final = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_DOMAIN: Final = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}")
_RULE: Final = re.compile(rf"\|\|({_LABEL}(?:\.{_LABEL})*)\^\$client=([0-9a-z.:|-]+)")


def client_identity(value: str) -> str | None:
    """Return ``value`` as a ``$client=``/access-list identity, or None when it is none.

    IP addresses come back in canonical form; a ClientID as it is. Anything else
    (a name, a MAC, a CIDR, text with quotes, commas, pipes or newlines) is refused.
    """
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return value if _CLIENT_ID.fullmatch(value) else None
    # A zone id (``fe80::1%eth0``) may hold any text, a newline included: never a rule.
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        return None
    return str(address)


def tracker_domain(value: str) -> str | None:
    """Return ``value`` lower-cased when it is a plain DNS name a rule can carry, else None."""
    name = value.strip().rstrip(".").lower()
    if not name or len(name) > 253 or not _DOMAIN.fullmatch(name):
        return None
    return name


@dataclass(frozen=True, slots=True)
class SplitRules:
    """User rules cut around our block."""

    before: list[str]
    ours: list[str]
    after: list[str]
    found: bool


@dataclass(frozen=True, slots=True)
class BlockState:
    """What our block on the server says, parsed back from its lines."""

    present: bool
    intact: bool
    trackers_digest: str | None
    access: frozenset[str]
    domains: frozenset[str]
    clients: frozenset[str]
    """Identities that every tracker rule of the block applies to."""


def split_rules(rules: Sequence[str]) -> SplitRules:
    """Cut ``rules`` into (before, ours, after).

    Our block runs from a line equal to ``BEGIN`` to the next line equal to
    ``END``. Later complete blocks (a copy pasted by hand) are ours too and
    dropped from ``after``; a ``BEGIN`` without an ``END`` is left to the user.
    """
    before: list[str] = []
    ours: list[str] = []
    after: list[str] = []
    found = False
    i, count = 0, len(rules)
    while i < count:
        line = rules[i]
        if line == BEGIN:
            try:
                end = rules.index(END, i + 1)
            except ValueError:
                end = -1
            if end >= 0:
                if not found:
                    ours = list(rules[i : end + 1])
                found = True
                i = end + 1
                continue
        (after if found else before).append(line)
        i += 1
    return SplitRules(before, ours, after, found)


def _digest(lines: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def render_block(
    domains: Iterable[str],
    clients: Iterable[str],
    *,
    trackers_digest: str,
    access: Iterable[str] = (),
    checked: bool = False,
) -> list[str]:
    """Render our block: one rule per tracker domain for the blocked clients.

    Invalid domains and identities are dropped (see ``tracker_domain`` and
    ``client_identity``). Without a client there are no rules, only the markers
    and the bookkeeping comments (the access-list entries we own). ``checked``:
    ``domains`` are already valid, lower case and sorted (``tracker_names``).
    """
    ids = sorted({c for v in clients if (c := client_identity(v)) is not None})
    owned = sorted({c for v in access if (c := client_identity(v)) is not None})
    body = [_TRACKERS + (trackers_digest if re.fullmatch(r"[0-9a-f]{64}", trackers_digest) else "")]
    body.append(_ACCESS + " ".join(owned))
    if ids:
        suffix = "^$client=" + "|".join(ids)
        names = (
            list(domains)
            if checked
            else sorted({d for v in domains if (d := tracker_domain(v)) is not None})
        )
        body.extend(f"||{name}{suffix}" for name in names)
    return [BEGIN, _DIGEST + _digest(body), *body, END]


def merge_rules(split: SplitRules, block: Sequence[str] | None) -> list[str]:
    """Put ``block`` back where ours was (at the end when there was none); None removes it."""
    middle = list(block) if block is not None else []
    return [*split.before, *middle, *split.after]


def block_access(ours: Sequence[str]) -> frozenset[str]:
    """Return the access-list entries our block lists as ours (its bookkeeping line)."""
    if len(ours) < 2 or ours[0] != BEGIN or ours[-1] != END:
        return frozenset()
    for line in ours:
        if line.startswith(_ACCESS):
            return frozenset(
                c for v in line.removeprefix(_ACCESS).split() if (c := client_identity(v))
            )
    return frozenset()


def parse_block(ours: Sequence[str]) -> BlockState:
    """Parse our block (as ``split_rules`` cut it) back into what it enforces."""
    if len(ours) < 2 or ours[0] != BEGIN or ours[-1] != END:
        return BlockState(False, False, None, frozenset(), frozenset(), frozenset())
    inner = list(ours[1:-1])
    intact = bool(inner) and inner[0] == _DIGEST + _digest(inner[1:])
    digest: str | None = None
    access: frozenset[str] = frozenset()
    domains: set[str] = set()
    clients: set[str] | None = None
    for line in inner:
        if line.startswith(_TRACKERS):
            digest = line.removeprefix(_TRACKERS) or None
        elif line.startswith(_ACCESS):
            access = frozenset(
                c for v in line.removeprefix(_ACCESS).split() if (c := client_identity(v))
            )
        elif (match := _RULE.fullmatch(line)) is not None:
            domains.add(match.group(1))
            ids = {c for v in match.group(2).split("|") if (c := client_identity(v))}
            clients = ids if clients is None else clients & ids
        elif not line.startswith("! snoop-guard:"):
            intact = False
    return BlockState(True, intact, digest, access, frozenset(domains), frozenset(clients or ()))
