"""Evidence gathering: apply the rule tables to a device's records and collect the votes.

Each rule adds a weight to one or more kinds (and a vendor, a model and a human-readable
evidence string); :mod:`.classifier` turns the votes into a decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..classify import DeviceKind
from ..oui import lookup as oui_lookup
from ..routerdata import display_name, normalize_mac
from .records import DhcpRecord, MdnsRecord, RouterRecord, SsdpRecord, clean_text
from .rules import (
    APPLE_COMPUTERS,
    APPLE_HANDHELDS,
    APPLE_ID,
    APPLE_MODELS,
    CAST_AUDIO_OUT,
    CAST_VIDEO_OUT,
    GENERIC_MODELS,
    HAP_CATEGORIES,
    HOSTNAME_KEYWORDS,
    MDNS_TYPES,
    NEGATIVE_HOSTNAME,
    OTHER,
    SERVER_RULES,
    SPEAKER,
    SSDP_TYPES,
    STREAMER,
    TEXT_RULES,
    TV,
    VENDOR_CLASS_OTHER,
    VIDEO,
)
from .vendors import canonical_vendor

_MAX_HOSTNAME = 253


@dataclass(slots=True)
class Votes:
    """Evidence gathered for one device."""

    kinds: dict[DeviceKind, list[float]] = field(
        default_factory=lambda: {kind: [] for kind in DeviceKind}
    )
    vendors: dict[str, float] = field(default_factory=dict)
    models: list[tuple[float, str]] = field(default_factory=list)
    evidence: list[tuple[float, str]] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)

    def add(
        self,
        evidence: str,
        kinds: Iterable[tuple[DeviceKind, float]] = (),
        vendor: str | None = None,
        vendor_weight: float = 0.0,
        model: str | None = None,
        model_weight: float = 0.0,
    ) -> None:
        """Add one piece of evidence (once per distinct evidence string)."""
        if evidence and evidence in self.labels:
            return  # the same sighting from several records counts once
        strength = 0.0
        for kind, weight in kinds:
            self.kinds[kind].append(weight)
            strength = max(strength, weight)
        if vendor:
            self.vendors[vendor] = self.vendors.get(vendor, 0.0) + vendor_weight
            strength = max(strength, vendor_weight * 0.5)
        if model:
            self.models.append((model_weight, model))
        if evidence:
            self.evidence.append((strength, evidence[:160]))
            self.labels.add(evidence)

    def score(self, kind: DeviceKind) -> float:
        """Return the combined weight of ``kind`` (independent evidence: 1 - prod(1 - w))."""
        remaining = 1.0
        for weight in self.kinds[kind]:
            remaining *= 1.0 - min(max(weight, 0.0), 0.99)
        return 1.0 - remaining


def _show(value: object, limit: int = 64) -> str:
    return display_name(clean_text(value, limit * 2), "?")[:limit]


def _apple_model(votes: Votes, model: str, label: str) -> bool:
    """Rules for Apple model identifiers (``AppleTV6,2``); True when one matched."""
    match = APPLE_ID.match(model)
    if match is None:
        return False
    family = match.group(1).lower()
    name = APPLE_MODELS.get(model, model)
    if family == "appletv":
        votes.add(label, ((STREAMER, 0.95),), "Apple", 0.9, name, 0.9)
    elif family == "audioaccessory":
        votes.add(label, ((SPEAKER, 0.95),), "Apple", 0.9, name, 0.9)
    elif family in APPLE_COMPUTERS or family in APPLE_HANDHELDS:
        votes.add(label, ((OTHER, 0.85),), "Apple", 0.9, model, 0.8)
    elif family == "airport":
        votes.add(label, ((OTHER, 0.6),), "Apple", 0.9, model, 0.8)
    else:
        return False
    return True


def _text_rule(votes: Votes, text: str, label: str, scale: float = 1.0) -> bool:
    """Apply the first matching product-text rule; True when one matched."""
    lowered = text.lower().strip()
    if not lowered:
        return False
    for pattern, kinds, vendor in TEXT_RULES:
        if pattern.search(lowered):
            votes.add(
                label,
                tuple((kind, weight * scale) for kind, weight in kinds),
                vendor,
                0.5 * scale,
            )
            return True
    return False


def _mdns_rules(votes: Votes, record: MdnsRecord) -> None:
    stype = record.service_type
    prefix = f"mDNS {_show(stype, 48)}"
    if stype == "_googlecast._tcp":
        model = record.txt("md")
        label = f"{prefix} md={_show(model)}" if model else prefix
        if model and model.lower() == "google cast group":
            votes.add(label, ((SPEAKER, 0.3),), "Google", 0.2)
            return
        matched = bool(model) and _text_rule(votes, model or "", label)
        if model:
            votes.models.append((0.85, _show(model)))
        if not matched:
            caps_text = record.txt("ca") or ""
            caps = int(caps_text) if caps_text.isdigit() and len(caps_text) < 12 else None
            if caps is not None and caps & CAST_VIDEO_OUT:
                votes.add(f"{label} ca={caps} (video)", VIDEO)
            elif caps is not None and caps & CAST_AUDIO_OUT:
                votes.add(f"{label} ca={caps} (audio only)", ((SPEAKER, 0.6),))
            else:
                votes.add(label, ((TV, 0.3), (STREAMER, 0.3), (SPEAKER, 0.3)))
        return
    if stype in {"_airplay._tcp", "_raop._tcp", "_device-info._tcp"}:
        key = "am" if stype == "_raop._tcp" else "model"
        model = record.txt(key)
        manufacturer = record.txt("manufacturer")
        base = MDNS_TYPES.get(stype)
        if model and _apple_model(votes, model, f"{prefix} {key}={_show(model)}"):
            return
        if base is not None:
            votes.add(prefix, base[0])
        if manufacturer:
            votes.add(
                f"{prefix} manufacturer={_show(manufacturer)}",
                vendor=canonical_vendor(manufacturer),
                vendor_weight=0.85,
            )
        if model:
            label = f"{prefix} {key}={_show(model)}"
            if not _text_rule(votes, model, label, 0.8):
                votes.add(label)
            votes.models.append((0.7, _show(model)))
        deviceid = record.txt("deviceid")
        if deviceid and (claimed := normalize_mac(deviceid)) is not None:
            votes.add(f"{prefix} claims MAC {claimed}")
        return
    if stype == "_hap._tcp":
        category = record.txt("ci") or ""
        model = record.txt("md")
        if category.isdigit() and len(category) <= 3:
            name, kinds, vendor = HAP_CATEGORIES.get(int(category), ("unknown", (), None))
            votes.add(f"{prefix} ci={category} ({name})", kinds, vendor, 0.6)
        if model:
            votes.models.append((0.6, _show(model)))
            _text_rule(votes, model, f"{prefix} md={_show(model)}", 0.8)
        return
    if stype == "_soundtouch._tcp":
        manufacturer = record.txt("manufacturer")
        model = record.txt("model")
        votes.add(
            prefix,
            ((SPEAKER, 0.9),),
            canonical_vendor(manufacturer) if manufacturer else "Bose",
            0.85,
            _show(model) if model else None,
            0.6,
        )
        return
    if stype == "_sonos._tcp":
        votes.add(prefix, ((SPEAKER, 0.9),), "Sonos", 0.9)
        return
    rule = MDNS_TYPES.get(stype)
    if rule is not None:
        kinds, vendor, vendor_weight = rule
        votes.add(prefix, kinds, vendor, vendor_weight)
    for key in ("ty", "product", "usb_mdl", "model", "md"):
        value = record.txt(key)
        if value:
            label = f"{prefix} {key}={_show(value)}"
            _text_rule(votes, value, label, 0.8)
            votes.models.append((0.5, _show(value)))
            break
    for key in ("usb_mfg", "manufacturer", "vendor", "mfg"):
        value = record.txt(key)
        if value:
            votes.add(
                f"{prefix} {key}={_show(value)}",
                vendor=canonical_vendor(value),
                vendor_weight=0.6,
            )
            break


def _ssdp_type_rule(votes: Votes, urn: str, label: str, seen: set[str]) -> None:
    lowered = urn.lower()
    for prefix, kinds, vendor, weight in SSDP_TYPES:
        if lowered.startswith(prefix):
            if prefix in seen:
                return
            seen.add(prefix)
            votes.add(label, kinds, vendor, weight)
            return


def _ssdp_rules(votes: Votes, record: SsdpRecord, seen_types: set[str]) -> None:
    for urn in (record.st, record.device_type, *record.services):
        if urn:
            _ssdp_type_rule(votes, urn, f"SSDP {_show(urn, 96)}", seen_types)
    usn = record.usn.lower()
    if "rincon_" in usn:
        votes.add("SSDP USN RINCON_ (Sonos)", ((SPEAKER, 0.6),), "Sonos", 0.6)
    if record.server:
        server = record.server.lower()
        for needle, kinds, vendor, weight in SERVER_RULES:
            if needle in server:
                votes.add(f"SSDP SERVER '{_show(record.server, 80)}'", kinds, vendor, weight)
                break
    if record.manufacturer:
        votes.add(
            f"SSDP manufacturer '{_show(record.manufacturer)}'",
            vendor=canonical_vendor(record.manufacturer),
            vendor_weight=0.9,
        )
    model = " ".join(p for p in (record.model_name, record.model_number) if p)
    if record.model_name:
        shown = _show(record.model_name)
        generic = record.model_name.lower() in GENERIC_MODELS
        votes.models.append((0.4 if generic else 0.9, _show(model)))
        matched = _text_rule(votes, record.model_name, f"SSDP modelName '{shown}'")
        if not matched and record.model_number:
            _text_rule(
                votes,
                record.model_number,
                f"SSDP modelNumber '{_show(record.model_number)}'",
            )
    elif record.model_number:
        votes.models.append((0.6, _show(record.model_number)))
        _text_rule(votes, record.model_number, f"SSDP modelNumber '{_show(record.model_number)}'")
    if record.model_description:
        _text_rule(
            votes,
            record.model_description,
            f"SSDP modelDescription '{_show(record.model_description)}'",
            0.7,
        )
    if record.friendly_name:
        _text_rule(
            votes,
            record.friendly_name,
            f"SSDP friendlyName '{_show(record.friendly_name)}'",
            0.6,
        )


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


def _hostname_rule(hostname: str) -> tuple[DeviceKind, str | None] | None:
    """Kind (and vendor) named by a host name's keywords or words, or None."""
    text = hostname[:_MAX_HOSTNAME].lower()
    for keyword, kind, vendor in HOSTNAME_KEYWORDS:
        if keyword in text:
            return kind, vendor
    words = _tokens(text)
    for word in words:
        if word == "echo" or word.startswith("echodot"):
            return SPEAKER, "Amazon"
    for word in words:
        # Fire TV model codes: AFTMM, AFTT, AFTSS, AFTKA, ...
        if word.startswith("aft") and 4 <= len(word) <= 7 and word[3:].isalpha():
            return STREAMER, "Amazon"
    for word in words:
        if word == "tv" or (word.endswith("tv") and 3 <= len(word) <= 12):
            return TV, None
    return None


def _hostname_rules(votes: Votes, hostname: str, source: str) -> None:
    label = f"{source} hostname '{_show(hostname)}'"
    rule = _hostname_rule(hostname)
    if rule is not None:
        kind, vendor = rule
        votes.add(label, ((kind, 0.5),), vendor, 0.4)
        return
    if NEGATIVE_HOSTNAME.search(hostname.lower()):
        votes.add(label, ((OTHER, 0.45),))


def _dhcp_rules(votes: Votes, record: DhcpRecord) -> None:
    if record.hostname:
        _hostname_rules(votes, record.hostname, "DHCP")
    vendor_class = record.vendor_class
    if vendor_class:
        lowered = vendor_class.lower()
        label = f"DHCP vendor class '{_show(vendor_class)}'"
        if VENDOR_CLASS_OTHER.search(lowered):
            votes.add(label, ((OTHER, 0.55),))
            return
        vendor = None
        for keyword, _kind, keyword_vendor in HOSTNAME_KEYWORDS:
            if keyword_vendor and keyword in lowered:
                vendor = keyword_vendor
                break
        if vendor is not None:
            votes.add(label, vendor=vendor, vendor_weight=0.3)


def _oui_rules(votes: Votes, mac: str | None) -> None:
    """OUI evidence (or the note that the MAC is randomised)."""
    info = oui_lookup(mac) if mac is not None else None
    if info is None:
        return
    if info.randomised:
        votes.add(f"MAC {mac} is locally administered (randomised), no vendor lookup")
        return
    if info.vendor is None:
        return
    label = f"OUI {info.oui} = {info.vendor}"
    hint = info.hint
    if hint == "tv":
        votes.add(label, ((TV, 0.6),), info.vendor, 0.7)
    elif hint == "streamer":
        votes.add(label, ((STREAMER, 0.6),), info.vendor, 0.7)
    elif hint == "speaker":
        votes.add(label, ((SPEAKER, 0.6),), info.vendor, 0.7)
    elif hint == "other":
        votes.add(label, ((OTHER, 0.35),), info.vendor, 0.6)
    else:
        votes.add(label, (), info.vendor, 0.6)


_ID_LIKE = re.compile(r"[0-9a-fA-F]{12,}")  # "Chromecast-<uuid hex>", "Sonos-<MAC>"


def gather(records: Iterable[object], mac: str | None) -> tuple[Votes, list[str]]:
    """Apply every rule to ``records`` (and the OUI of ``mac``); return votes and names."""
    votes = Votes()
    names: list[str] = []
    ssdp_types: set[str] = set()
    for record in records:
        if isinstance(record, MdnsRecord):
            _mdns_rules(votes, record)
            fn = record.txt("fn") or record.txt("n")
            if fn:
                names.append(fn)
            instance = record.name.split("@", 1)[-1]
            if instance and not _ID_LIKE.search(instance):
                names.append(instance)
            if record.hostname:
                _hostname_rules(votes, record.hostname, "mDNS")
        elif isinstance(record, SsdpRecord):
            _ssdp_rules(votes, record, ssdp_types)
            if record.friendly_name:
                names.append(record.friendly_name)
        elif isinstance(record, DhcpRecord):
            _dhcp_rules(votes, record)
        elif isinstance(record, RouterRecord) and record.hostname:
            _hostname_rules(votes, record.hostname, "router")
    _oui_rules(votes, normalize_mac(mac) if isinstance(mac, str) else None)
    return votes, names
