"""Simple classification of LAN clients into TVs, streamers and speakers.

Two signals are used: keywords in the (attacker-controlled) DHCP hostname and the
bundled IEEE OUI extract (:mod:`.oui`). An OUI decides the kind only for vendors whose
network interfaces are (nearly) all TVs, streamers or speakers (Sonos, Roku, Vizio,
...). Vendors that also make phones and appliances (Samsung, LG, Amazon, Hisense) only
name the vendor; the kind then has to come from the hostname.

This is the quick, hostname/MAC-only classifier. :func:`.discovery.classify` uses mDNS,
SSDP and DHCP evidence as well and fills ``model``, ``confidence`` and ``evidence``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .oui import lookup as oui_lookup
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
    """Result of :func:`classify_client` / :func:`.discovery.classify`.

    ``reason`` names the rule(s) that decided. ``model``, ``confidence`` (0..1) and
    ``evidence`` (human-readable strings) are filled by :func:`.discovery.classify`.
    """

    kind: DeviceKind
    vendor: str | None
    reason: str
    model: str | None = None
    confidence: float = 0.0
    evidence: tuple[str, ...] = ()


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

_OUI_KINDS: dict[str, DeviceKind] = {
    "tv": DeviceKind.TV,
    "streamer": DeviceKind.STREAMER,
    "speaker": DeviceKind.SPEAKER,
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
    mixed = False
    if normalized is None:
        oui_reason = "MAC address is not valid"
    elif int(normalized[:2], 16) & 0x02:
        randomised = True
        oui_reason = f"MAC {normalized} is locally administered (randomised), no vendor lookup"
    else:
        info = oui_lookup(normalized)
        if info is not None and info.vendor is not None:
            vendor = info.vendor
            oui_kind = _OUI_KINDS.get(info.hint)
            mixed = info.hint == ""
            oui_reason = f"OUI {info.oui} = {vendor}"

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
            reason=f"{oui_reason}, a vendor that also makes non-media devices"
            if mixed
            else f"{oui_reason}, not a maker of TVs, streamers or speakers",
        )
    return Classification(
        kind=DeviceKind.OTHER,
        vendor=None,
        reason=oui_reason or "no hostname or OUI rule matched",
    )


def is_media_device(c: Classification) -> bool:
    """Return True for TVs, streamers and speakers."""
    return c.kind in {DeviceKind.TV, DeviceKind.STREAMER, DeviceKind.SPEAKER}
