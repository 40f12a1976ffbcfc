"""Simple classification of LAN clients into TVs, streamers and speakers.

Two signals are used: keywords in the (attacker-controlled) DHCP hostname and a
small table of IEEE OUIs of vendors whose network interfaces are TVs, streamers
or speakers. Vendors that also make phones and appliances (Samsung, LG, Amazon,
Hisense) only name the vendor; the kind then has to come from the hostname.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .routerdata import normalize_mac

__all__ = ["Classification", "DeviceKind", "classify_client", "is_media_device"]

_MAX_HOSTNAME = 253


class DeviceKind(StrEnum):
    """Coarse kind of a LAN client."""

    TV = "tv"
    STREAMER = "streamer"
    SPEAKER = "speaker"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Classification:
    """Result of :func:`classify_client`; ``reason`` names the rule that decided."""

    kind: DeviceKind
    vendor: str | None
    reason: str


# Hostname substrings, checked in order (speakers and streamers before TVs so that
# "appletv" is not taken for a TV). (keyword, kind, vendor implied by the keyword)
_HOSTNAME_KEYWORDS: tuple[tuple[str, DeviceKind, str | None], ...] = (
    ("sonos", DeviceKind.SPEAKER, "Sonos"),
    ("homepod", DeviceKind.SPEAKER, "Apple"),
    ("nest-audio", DeviceKind.SPEAKER, "Google"),
    ("nestaudio", DeviceKind.SPEAKER, "Google"),
    ("nest-mini", DeviceKind.SPEAKER, "Google"),
    ("nestmini", DeviceKind.SPEAKER, "Google"),
    ("google-home", DeviceKind.SPEAKER, "Google"),
    ("googlehome", DeviceKind.SPEAKER, "Google"),
    ("soundbar", DeviceKind.SPEAKER, None),
    ("speaker", DeviceKind.SPEAKER, None),
    ("chromecast", DeviceKind.STREAMER, "Google"),
    ("appletv", DeviceKind.STREAMER, "Apple"),
    ("apple-tv", DeviceKind.STREAMER, "Apple"),
    ("firetv", DeviceKind.STREAMER, "Amazon"),
    ("fire-tv", DeviceKind.STREAMER, "Amazon"),
    ("firestick", DeviceKind.STREAMER, "Amazon"),
    ("fire-stick", DeviceKind.STREAMER, "Amazon"),
    ("shield", DeviceKind.STREAMER, "NVIDIA"),
    ("mibox", DeviceKind.STREAMER, "Xiaomi"),
    ("mi-box", DeviceKind.STREAMER, "Xiaomi"),
    ("roku", DeviceKind.STREAMER, "Roku"),
    ("smarttv", DeviceKind.TV, None),
    ("smart-tv", DeviceKind.TV, None),
    ("androidtv", DeviceKind.TV, None),
    ("android-tv", DeviceKind.TV, None),
    ("googletv", DeviceKind.TV, None),
    ("google-tv", DeviceKind.TV, None),
    ("bravia", DeviceKind.TV, "Sony"),
    ("skyworth", DeviceKind.TV, "Skyworth"),
    ("coocaa", DeviceKind.TV, "Skyworth"),
    ("samsung", DeviceKind.TV, "Samsung"),
    ("tizen", DeviceKind.TV, "Samsung"),
    ("lgwebos", DeviceKind.TV, "LG"),
    ("webos", DeviceKind.TV, "LG"),
    ("lg-tv", DeviceKind.TV, "LG"),
    ("lgtv", DeviceKind.TV, "LG"),
    ("hisense", DeviceKind.TV, "Hisense"),
    ("vidaa", DeviceKind.TV, "Hisense"),
)

# IEEE MA-L assignments (first three octets). kind None: the vendor also makes
# phones, appliances or e-readers, so the OUI alone does not say "media device".
_OUI_TABLE: dict[str, tuple[str, DeviceKind | None]] = {
    # Sonos, Inc.
    "00:0e:58": ("Sonos", DeviceKind.SPEAKER),
    "5c:aa:fd": ("Sonos", DeviceKind.SPEAKER),
    "94:9f:3e": ("Sonos", DeviceKind.SPEAKER),
    "b8:e9:37": ("Sonos", DeviceKind.SPEAKER),
    # Roku, Inc.
    "00:0d:4b": ("Roku", DeviceKind.STREAMER),
    "08:05:81": ("Roku", DeviceKind.STREAMER),
    "ac:3a:7a": ("Roku", DeviceKind.STREAMER),
    "b0:a7:37": ("Roku", DeviceKind.STREAMER),
    "b8:3e:59": ("Roku", DeviceKind.STREAMER),
    "b8:a1:75": ("Roku", DeviceKind.STREAMER),
    "cc:6d:a0": ("Roku", DeviceKind.STREAMER),
    "d0:4d:2c": ("Roku", DeviceKind.STREAMER),
    "dc:3a:5e": ("Roku", DeviceKind.STREAMER),
    # Vizio, Inc
    "00:19:9d": ("Vizio", DeviceKind.TV),
    "00:6b:9e": ("Vizio", DeviceKind.TV),
    "a4:8d:3b": ("Vizio", DeviceKind.TV),
    "c4:1c:ff": ("Vizio", DeviceKind.TV),
    "cc:95:d7": ("Vizio", DeviceKind.TV),
    # Skyworth Digital Technology (Shenzhen) Co., Ltd
    "00:1a:9a": ("Skyworth", DeviceKind.TV),
    "20:8b:37": ("Skyworth", DeviceKind.TV),
    "38:fa:ca": ("Skyworth", DeviceKind.TV),
    "5c:c6:d0": ("Skyworth", DeviceKind.TV),
    "a0:89:e4": ("Skyworth", DeviceKind.TV),
    # TCL King Electrical Appliances (Huizhou) Co., Ltd (TCL's TV maker)
    "3c:59:1e": ("TCL", DeviceKind.TV),
    "5c:36:b8": ("TCL", DeviceKind.TV),
    # Vendors with non-media products too.
    "ac:4a:fe": ("Hisense", None),
    "38:2d:e8": ("Samsung", None),
    "54:40:ad": ("Samsung", None),
    "84:2e:27": ("Samsung", None),
    "d0:87:e2": ("Samsung", None),
    "14:c9:13": ("LG", None),
    "3c:bd:d8": ("LG", None),
    "0c:47:c9": ("Amazon", None),
    "44:65:0d": ("Amazon", None),
    "50:f5:da": ("Amazon", None),
    "74:75:48": ("Amazon", None),
    "74:c2:46": ("Amazon", None),
    "a0:02:dc": ("Amazon", None),
    "f0:27:2d": ("Amazon", None),
    "f0:d2:f1": ("Amazon", None),
}


def _tokens(hostname: str) -> list[str]:
    """Split a lower-cased hostname into alphanumeric tokens."""
    out: list[str] = []
    current: list[str] = []
    for char in hostname:
        if char.isascii() and char.isalnum():
            current.append(char)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


def _hostname_rule(hostname: str | None) -> tuple[DeviceKind, str | None, str] | None:
    if not isinstance(hostname, str) or not hostname:
        return None
    text = hostname[:_MAX_HOSTNAME].lower()
    for keyword, kind, vendor in _HOSTNAME_KEYWORDS:
        if keyword in text:
            return kind, vendor, f"hostname contains '{keyword}'"
    words = _tokens(text)
    for word in words:
        if word == "echo" or word.startswith("echodot"):
            return DeviceKind.SPEAKER, "Amazon", f"hostname has the word '{word[:32]}'"
    for word in words:
        # Fire TV model codes: AFTMM, AFTT, AFTSS, AFTKA, ...
        if word.startswith("aft") and 4 <= len(word) <= 7 and word[3:].isalpha():
            return DeviceKind.STREAMER, "Amazon", f"hostname has the Fire TV model code '{word}'"
    for word in words:
        if word == "tv" or (word.endswith("tv") and 3 <= len(word) <= 12):
            return DeviceKind.TV, None, f"hostname has the word '{word}'"
    return None


def classify_client(hostname: str | None, mac: str) -> Classification:
    """Classify a client from its DHCP hostname and MAC address; never raises.

    The hostname decides the kind when a keyword matches; otherwise an OUI of a
    TV/streamer/speaker-only vendor does. Locally administered (randomised) MACs
    get no vendor.
    """
    normalized = normalize_mac(mac) if isinstance(mac, str) else None
    vendor: str | None = None
    oui_kind: DeviceKind | None = None
    oui_reason: str | None = None
    randomised = False
    if normalized is None:
        oui_reason = "MAC address is not valid"
    elif int(normalized[:2], 16) & 0x02:
        randomised = True
        oui_reason = f"MAC {normalized} is locally administered (randomised), no vendor lookup"
    else:
        oui = normalized[:8]
        entry = _OUI_TABLE.get(oui)
        if entry is not None:
            vendor, oui_kind = entry
            oui_reason = f"OUI {oui} = {vendor}"

    host = _hostname_rule(hostname)
    if host is not None:
        kind, host_vendor, reason = host
        if vendor is None and not randomised:
            vendor = host_vendor
        if oui_reason is not None:
            reason = f"{reason}; {oui_reason}"
        return Classification(kind=kind, vendor=vendor, reason=reason)
    if oui_kind is not None and oui_reason is not None:
        return Classification(kind=oui_kind, vendor=vendor, reason=oui_reason)
    if vendor is not None:
        return Classification(
            kind=DeviceKind.OTHER,
            vendor=vendor,
            reason=f"{oui_reason}, a vendor that also makes non-media devices",
        )
    return Classification(
        kind=DeviceKind.OTHER,
        vendor=None,
        reason=oui_reason or "no hostname or OUI rule matched",
    )


def is_media_device(c: Classification) -> bool:
    """Return True for TVs, streamers and speakers."""
    return c.kind in {DeviceKind.TV, DeviceKind.STREAMER, DeviceKind.SPEAKER}
