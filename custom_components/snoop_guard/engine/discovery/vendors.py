"""Vendor names: canonical short names for manufacturer strings, platform vendors, kind priors.

Pure data plus :func:`canonical_vendor`.
"""

from __future__ import annotations

import re

from ..classify import DeviceKind
from ..routerdata import display_name
from .records import clean_text

# (token or phrase, canonical vendor); tokens are matched on word boundaries
_VENDOR_NAMES: tuple[tuple[str, str], ...] = (
    ("philips lighting", "Signify"),
    ("signify", "Signify"),
    ("tp vision", "Philips"),
    ("samsung", "Samsung"),
    ("lg electronics", "LG"),
    ("lge", "LG"),
    ("lg", "LG"),
    ("sony", "Sony"),
    ("sonos", "Sonos"),
    ("google", "Google"),
    ("amazon", "Amazon"),
    ("apple", "Apple"),
    ("roku", "Roku"),
    ("vizio", "Vizio"),
    ("hisense", "Hisense"),
    ("tcl", "TCL"),
    ("skyworth", "Skyworth"),
    ("coocaa", "Skyworth"),
    ("xiaomi", "Xiaomi"),
    ("philips", "Philips"),
    ("panasonic", "Panasonic"),
    ("sharp", "Sharp"),
    ("toshiba", "Toshiba"),
    ("vestel", "Vestel"),
    ("nvidia", "NVIDIA"),
    ("bose", "Bose"),
    ("denon", "Denon"),
    ("d&m holdings", "Denon"),
    ("marantz", "Marantz"),
    ("yamaha", "Yamaha"),
    ("harman", "Harman"),
    ("jbl", "JBL"),
    ("bang & olufsen", "Bang & Olufsen"),
    ("synology", "Synology"),
    ("qnap", "QNAP"),
    ("hewlett-packard", "HP"),
    ("hewlett packard", "HP"),
    ("hp", "HP"),
    ("brother", "Brother"),
    ("canon", "Canon"),
    ("epson", "Epson"),
    ("microsoft", "Microsoft"),
    ("intel", "Intel"),
    ("huawei", "Huawei"),
    ("espressif", "Espressif"),
    ("shelly", "Shelly"),
    ("allterco", "Shelly"),
    ("tp-link", "TP-Link"),
    ("avm", "AVM"),
)
_VENDOR_PATTERNS = tuple(
    (re.compile(r"(?<![a-z0-9])" + re.escape(needle) + r"(?![a-z0-9])"), vendor)
    for needle, vendor in _VENDOR_NAMES
)
# Vendors that also put their platform into other makers' TVs (Roku TV, Google TV,
# Fire TV Edition): a TV's hardware vendor wins over them.
PLATFORM_VENDORS = frozenset({"Roku", "Google", "Amazon"})

# Kind priors of vendors that make more than one kind; applied only to devices that
# already show media evidence (so a Samsung phone stays "other").
VENDOR_PRIORS: dict[str, tuple[tuple[DeviceKind, float], ...]] = {
    "Samsung": ((DeviceKind.TV, 0.3),),
    "LG": ((DeviceKind.TV, 0.3),),
    "Sony": ((DeviceKind.TV, 0.25),),
    "Vizio": ((DeviceKind.TV, 0.35),),
    "Hisense": ((DeviceKind.TV, 0.35),),
    "TCL": ((DeviceKind.TV, 0.35),),
    "Skyworth": ((DeviceKind.TV, 0.35),),
    "Philips": ((DeviceKind.TV, 0.35),),
    "Panasonic": ((DeviceKind.TV, 0.35),),
    "Sharp": ((DeviceKind.TV, 0.35),),
    "Toshiba": ((DeviceKind.TV, 0.35),),
    "Vestel": ((DeviceKind.TV, 0.35),),
    "Xiaomi": ((DeviceKind.TV, 0.15),),
    "Roku": ((DeviceKind.STREAMER, 0.3),),
    "NVIDIA": ((DeviceKind.STREAMER, 0.4),),
    "Amazon": ((DeviceKind.STREAMER, 0.15),),
    "Sonos": ((DeviceKind.SPEAKER, 0.5),),
    "Bose": ((DeviceKind.SPEAKER, 0.5),),
    "Denon": ((DeviceKind.SPEAKER, 0.4),),
    "Marantz": ((DeviceKind.SPEAKER, 0.4),),
    "Yamaha": ((DeviceKind.SPEAKER, 0.3),),
    "Harman": ((DeviceKind.SPEAKER, 0.3),),
    "JBL": ((DeviceKind.SPEAKER, 0.4),),
    "Bang & Olufsen": ((DeviceKind.SPEAKER, 0.4),),
}


def canonical_vendor(text: object) -> str | None:
    """Map a manufacturer string (``"Samsung Electronics"``) to a short vendor name.

    Unknown manufacturers are returned cleaned and cut to 64 characters; empty -> None.
    """
    cleaned = display_name(clean_text(text, 128), "")
    if not cleaned:
        return None
    lowered = cleaned.lower()
    for pattern, vendor in _VENDOR_PATTERNS:
        if pattern.search(lowered):
            return vendor
    return cleaned
