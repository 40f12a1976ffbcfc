"""Upload correlation: the contact that follows a scan.

Correlation: a LAN or Wi-Fi scan followed within ``upload_window`` (10 minutes)
by a lookup of a tracker, or of a domain the device has never looked up before
(after a ``baseline`` learning period), gives ``upload_suspected`` with the
evidence chain (the scan steps and the contact).

A contact is a lookup of a tracker or, once the device's baseline is complete,
of a site it never looked up before. A contact that comes before the scan is
detected (logged between the scan's start and its detection) is kept in a
short list and reported when the scan is.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from .records import Device, Episode
from .signals import site_of
from .store import MAX_CHAIN
from .windows import iso

__all__ = ["Candidates", "candidates", "earlier_contact", "learn_site", "record_upload"]

type Candidates = list[tuple[str, Episode]]  # (event kind of the scan, the scan)


def learn_site(
    device: Device, site: str, ts: float, *, max_domains: int, baseline_s: float
) -> tuple[bool, bool]:
    """Remember ``site``: (it was new, it is new and the device's baseline is complete)."""
    sites = device.sites
    if sites is None:
        sites = device.sites = OrderedDict()
    if site in sites:
        sites.move_to_end(site)
        return False, False
    sites[site] = None
    while len(sites) > max_domains:
        sites.popitem(last=False)
    since = device.dns_since if device.dns_since is not None else ts
    return True, ts - since >= baseline_s


def candidates(device: Device, ts: float, site: str, upload_s: float) -> Candidates:
    """Return the scans of ``device`` whose upload a contact of ``site`` at ``ts`` may be."""
    found: Candidates = []
    for kind, episode in (("lan_scan", device.lan), ("wifi_scan", device.wifi)):
        if episode is None or site in episode.uploads:
            continue
        if episode.start <= ts <= episode.last + upload_s:
            found.append((kind, episode))
    return found


def earlier_contact(
    device: Device, episode: Episode, now: float, upload_s: float
) -> tuple[float, str, str, Candidates] | None:
    """Return a contact logged between the start of ``episode`` and its detection.

    ``now``: when the scan was detected. The first such contact that may be an
    upload, as (when, name, reason, candidate scans), or None.
    """
    for ts, domain, reason in device.contacts:
        if episode.start <= ts <= now:
            found = candidates(device, ts, site_of(domain) or domain, upload_s)
            if found:
                return ts, domain, reason, found
    return None


def record_upload(
    device: Device, domain: str, reason: str, found: Candidates, contact_at: float
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Mark the contact of ``domain`` as the upload of ``found``: (methods, evidence)."""
    chain: list[dict[str, Any]] = []
    methods: list[str] = []
    site = site_of(domain) or domain
    for _, episode in found:
        if len(episode.uploads) < MAX_CHAIN:
            episode.uploads.add(site)
        else:
            episode.uploads = {site}
        chain.extend(episode.chain)
        methods.extend(m for m in episode.methods if m not in methods)
    chain.sort(key=lambda step: str(step["when"]))
    chain.append({"when": iso(contact_at), "signal": reason, "domain": domain})
    first = min(episode.start for _, episode in found)
    device.last_upload = contact_at
    device.last_upload_domain = domain
    evidence = {
        "domain": domain,
        "reason": reason,
        "scans": [kind for kind, _ in found],
        "seconds_after_scan_start": round(contact_at - first, 3),
        "chain": chain,
    }
    return tuple(methods), evidence
