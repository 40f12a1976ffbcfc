"""Prepare the tracker domains for the router once per change of the knowledge.

The dnsmasq snippet of an 8 MiB subscription has hundreds of thousands of lines
(tens of megabytes). It is built and hashed here, once, in an executor; every
reconciliation then compares this digest with ``sha256sum`` of the router's
copy, so steady state costs a few hundred bytes over SSH and no CPU on the loop.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from .base import TrackerSet
from .dnsmasq import build_snippet


def prepare_trackers(domains: Iterable[str], allowed: Iterable[str] = ()) -> TrackerSet:
    """Build the snippet and its SHA-256. Blocking (CPU): call it in an executor.

    ``domains`` are the tracker domains, ``allowed`` the functional allow-list's
    (see dnsmasq.build_snippet).
    """
    kept = tuple(domains)
    snippet = build_snippet(kept, allowed)
    return TrackerSet(
        domains=kept, snippet=snippet, sha256=hashlib.sha256(snippet.encode()).hexdigest()
    )
