"""The catalogue of default subscriptions: per-vendor native-tracking lists.

Each entry is a maintained list of the hosts one vendor's TVs, streamers or
speakers use to report home. They are subscribed by default (the user can opt
out per list) and fetched at run time by the user's own installation, like any
other subscription: their licences (GPL-3.0 for hagezi's lists) allow that but
not bundling them, so no copy ships with Snoop Guard.

Every rule of a list is attributed from the list's identity: the vendor whose
devices it concerns, the company (unless the rule's domain has a better-known
owner, e.g. ``amazon-adsystem.com``), a category and the device kinds. So a
contact shows "Samsung, telemetry" rather than "tracker".

:func:`load_dir` reads already-fetched copies named ``<id>.txt`` (or ``<id>``)
from a directory, for the ``classify`` command line and the benchmarks.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .compiled import ListSource

__all__ = [
    "CATALOGUE",
    "CATALOGUE_BY_ID",
    "CATALOGUE_BY_URL",
    "VendorList",
    "default_urls",
    "load_dir",
    "subscription_sources",
]

_HAGEZI_RAW = "https://raw.githubusercontent.com/hagezi/dns-blocklists/main/domains"
_HAGEZI_HOME = "https://github.com/hagezi/dns-blocklists"
_HAGEZI_LICENSE = "GPL-3.0"


@dataclass(frozen=True, slots=True)
class VendorList:
    """One default subscription and the attribution its rules get.

    ``id`` names the list everywhere (``source`` of its rules is
    ``"list:<id>"``, the options key, the file name in a lists directory).
    ``bundled`` is always False for licences that forbid redistribution.
    """

    id: str
    title: str
    url: str
    homepage: str
    license: str
    vendor: str
    company: str
    category: str
    devices: tuple[str, ...]
    default_on: bool = True
    bundled: bool = False

    def source(self, text: str) -> ListSource:
        """Return the subscription for a downloaded copy, with this list's attribution."""
        return ListSource(
            name=self.id,
            text=text,
            category=self.category,
            company=self.company,
            confidence="medium",
            vendors=(self.vendor,),
            devices=self.devices,
            spare_vendor_functions=True,
        )


def _hagezi(ident: str, vendor: str, company: str, devices: tuple[str, ...]) -> VendorList:
    return VendorList(
        id=f"hagezi-native-{ident}",
        title=f"HaGeZi's {vendor} native tracker list",
        url=f"{_HAGEZI_RAW}/native.{ident}.txt",
        homepage=_HAGEZI_HOME,
        license=_HAGEZI_LICENSE,
        vendor=vendor,
        company=company,
        category="telemetry",
        devices=devices,
    )


CATALOGUE: tuple[VendorList, ...] = (
    _hagezi("samsung", "Samsung", "Samsung", ("tv",)),
    _hagezi("lgwebos", "LG", "LG Electronics", ("tv",)),
    _hagezi("roku", "Roku", "Roku", ("tv", "streamer")),
    _hagezi("amazon", "Amazon", "Amazon", ("tv", "streamer", "speaker")),
    _hagezi("xiaomi", "Xiaomi", "Xiaomi", ("tv", "streamer")),
    _hagezi("apple", "Apple", "Apple", ("streamer", "speaker")),
    _hagezi("huawei", "Huawei", "Huawei", ("tv",)),
)
CATALOGUE_BY_ID: dict[str, VendorList] = {entry.id: entry for entry in CATALOGUE}
CATALOGUE_BY_URL: dict[str, VendorList] = {entry.url: entry for entry in CATALOGUE}


def default_urls(opted_out: Iterable[object] = ()) -> list[str]:
    """Return the URLs of the default subscriptions the user did not opt out of.

    ``opted_out`` holds catalogue ids (unknown values are ignored), so an
    option saved by an older catalogue never fails.
    """
    off = {item for item in opted_out if isinstance(item, str)}
    return [entry.url for entry in CATALOGUE if entry.default_on and entry.id not in off]


def subscription_sources(texts: Mapping[str, str]) -> list[ListSource]:
    """Turn downloaded lists (URL -> text) into subscriptions, default lists first.

    A catalogue list gets its attribution (:meth:`VendorList.source`, named by
    its id); any other URL is a plain subscription named by its URL. Order:
    catalogue order, then the other URLs sorted (the first source to name a
    domain attributes it).
    """
    sources = [entry.source(texts[entry.url]) for entry in CATALOGUE if entry.url in texts]
    sources.extend(
        ListSource(name=url, text=text)
        for url, text in sorted(texts.items())
        if url not in CATALOGUE_BY_URL
    )
    return sources


def load_dir(
    directory: str | os.PathLike[str], entries: tuple[VendorList, ...] = CATALOGUE
) -> tuple[list[ListSource], list[str]]:
    """Read already-fetched copies of ``entries`` from ``directory``. Blocking I/O.

    A copy is ``<id>.txt`` or ``<id>``. Returns the subscriptions in catalogue
    order and the ids with no readable copy.
    """
    folder = Path(directory)
    sources: list[ListSource] = []
    missing: list[str] = []
    for entry in entries:
        for candidate in (folder / f"{entry.id}.txt", folder / entry.id):
            try:
                text = candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            sources.append(entry.source(text))
            break
        else:
            missing.append(entry.id)
    return sources, missing
