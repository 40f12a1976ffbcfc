"""The dnsmasq configuration snippet that feeds our tracker address sets.

dnsmasq adds every address it answers for a listed domain (or any of its
subdomains) to ``trackers4``/``trackers6`` in our nftables table. The
snippet only ever contains domains that pass a strict syntax check, one a
line, so nothing in it can break out of the ``nftset=`` option.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Final

from .nftables import FAMILY, TABLE

SNIPPET_NAME: Final = "snoop-guard.conf"
_SAFE_DOMAIN: Final = re.compile(
    r"^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?)+$"
)
_TARGETS: Final = f"4#{FAMILY}#{TABLE}#trackers4,6#{FAMILY}#{TABLE}#trackers6"


def safe_domains(domains: Iterable[str]) -> list[str]:
    """Return the domains that are safe to write into a dnsmasq option, sorted."""
    return sorted({d for d in domains if len(d) <= 253 and _SAFE_DOMAIN.fullmatch(d)})


def build_snippet(domains: Iterable[str]) -> str:
    """Return the snippet's full text; its first line carries a digest of the rest."""
    body = "".join(f"nftset=/{domain}/{_TARGETS}\n" for domain in safe_domains(domains))
    digest = hashlib.sha256(body.encode()).hexdigest()[:16]
    return (
        f"# snoop-guard {digest}\n"
        "# Managed by the Snoop Guard Home Assistant integration; removed with it.\n"
        f"{body}"
    )
