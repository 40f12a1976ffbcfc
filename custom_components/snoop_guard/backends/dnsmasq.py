"""The dnsmasq configuration snippet that feeds our address sets.

dnsmasq adds every address it answers for a listed domain (or any of its
subdomains) to the sets named on that domain's ``nftset=`` line: tracker
domains to ``trackers4``/``trackers6``, names on the functional allow-list to
``allowed4``/``allowed6`` (see nftables.py: an address in both is not
rejected). Of several lines matching a name dnsmasq uses only the one with the
longest domain, the later one on a tie; a domain listed both ways is written
as allowed only. The snippet only ever contains domains that pass a strict
syntax check, one a line, so nothing in it can break out of the ``nftset=``
option.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from .nftables import FAMILY, TABLE

if TYPE_CHECKING:
    from ..engine.trackers import TrackerMatcher

SNIPPET_NAME: Final = "snoop-guard.conf"
_SAFE_DOMAIN: Final = re.compile(
    r"^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?)+$"
)


def _targets(v4: str, v6: str) -> str:
    return f"4#{FAMILY}#{TABLE}#{v4},6#{FAMILY}#{TABLE}#{v6}"


TRACKER_TARGETS: Final = _targets("trackers4", "trackers6")
ALLOWED_TARGETS: Final = _targets("allowed4", "allowed6")


def safe_domains(domains: Iterable[str]) -> list[str]:
    """Return the domains that are safe to write into a dnsmasq option, sorted."""
    return sorted({d for d in domains if len(d) <= 253 and _SAFE_DOMAIN.fullmatch(d)})


def allowed_domains(matcher: TrackerMatcher) -> list[str]:
    """Return the honoured functional allow rules' domains, for the allowed-address sets.

    Exact rules are written like suffix rules (dnsmasq has no exact match): the
    subdomains of a needed name count as needed too, unless a tracker rule names
    them (the longer domain wins in dnsmasq).
    """
    off = {allow.id for allow in matcher.overridden}
    return safe_domains(
        allow.rule
        for allow in matcher.allow_rules
        if allow.source == "functional" and allow.id not in off
    )


def build_snippet(domains: Iterable[str], allowed: Iterable[str] = ()) -> str:
    """Return the snippet's full text; its first line carries a digest of the rest.

    A pure function of the tracker domains and the allowed domains.
    """
    keep = safe_domains(allowed)
    needed = set(keep)
    body = "".join(
        f"nftset=/{domain}/{TRACKER_TARGETS}\n"
        for domain in safe_domains(domains)
        if domain not in needed
    ) + "".join(f"nftset=/{domain}/{ALLOWED_TARGETS}\n" for domain in keep)
    digest = hashlib.sha256(body.encode()).hexdigest()[:16]
    return (
        f"# snoop-guard {digest}\n"
        "# Managed by the Snoop Guard Home Assistant integration; removed with it.\n"
        f"{body}"
    )
