"""The voting classifier: one device's records -> kind, vendor, model, confidence, evidence.

The weights of a kind are combined as independent evidence (1 - prod(1 - w)); a media kind
needs 0.35 and must beat the "other" evidence (printers, computers, phones, NAS, bridges).
Once a device shows media evidence, its vendor's prior tilts TV / streamer / speaker
(Samsung -> TV, Sonos -> speaker, ...); platform vendors (Roku, Google, Amazon) give way to
the hardware maker of a TV (a "TCL Roku TV" is TCL).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from ..classify import Classification, DeviceKind
from .evidence import Votes, gather
from .records import RECORD_TYPES, DiscoveryRecord
from .rules import OTHER, TV
from .vendors import PLATFORM_VENDORS, VENDOR_PRIORS

MAX_EVIDENCE: Final = 12
MEDIA_THRESHOLD: Final = 0.35
MAX_RECORDS: Final = 128  # records looked at per classification

_MEDIA_KINDS = (DeviceKind.TV, DeviceKind.STREAMER, DeviceKind.SPEAKER)


def _decide_vendor(votes: Votes, kind: DeviceKind) -> str | None:
    if not votes.vendors:
        return None
    ranked = sorted(votes.vendors.items(), key=lambda item: (-item[1], item[0]))
    best, weight = ranked[0]
    if kind is TV and best in PLATFORM_VENDORS:
        for other, other_weight in ranked[1:]:
            priors = VENDOR_PRIORS.get(other, ())
            if (
                other not in PLATFORM_VENDORS
                and other_weight >= 0.5
                and any(k is TV for k, _ in priors)
            ):
                return other
    return best if weight >= 0.3 else None


def _prior_vendor(votes: Votes) -> str | None:
    """Vendor whose kind prior applies: the hardware maker before a platform vendor."""
    ranked = sorted(votes.vendors.items(), key=lambda item: (-item[1], item[0]))
    for vendor, weight in ranked:
        if vendor not in PLATFORM_VENDORS and weight >= 0.5:
            return vendor
    return ranked[0][0] if ranked and ranked[0][1] >= 0.3 else None


def classify(records: Iterable[object], mac: str | None = None) -> Classification:
    """Classify one device from its discovery records and MAC address; never raises.

    ``records`` may mix :class:`MdnsRecord`, :class:`SsdpRecord`, :class:`DhcpRecord` and
    :class:`RouterRecord`; anything else is ignored. ``mac`` is used for the OUI lookup
    (the records' own ``mac`` fields are used when it is None).
    """
    try:
        items = [r for r in list(records)[:MAX_RECORDS] if isinstance(r, RECORD_TYPES)]
    except Exception:  # a hostile iterable
        items = []
    if mac is None:
        mac = next((r.mac for r in items if r.mac), None)
    try:
        return classify_records(items, mac)[0]
    except Exception as err:  # contract: never raise
        return Classification(
            kind=DeviceKind.OTHER,
            vendor=None,
            reason=f"classification failed ({type(err).__name__})",
        )


def classify_records(
    records: list[DiscoveryRecord], mac: str | None
) -> tuple[Classification, list[str]]:
    """Classify ``records`` (already filtered); also return the names they carry."""
    votes, names = gather(records, mac)
    scores = {kind: votes.score(kind) for kind in DeviceKind}
    media_best = max(scores[k] for k in _MEDIA_KINDS)
    if media_best > 0:
        # vendor priors tilt TV / streamer / speaker once something says "media device"
        for prior_kind, prior in VENDOR_PRIORS.get(_prior_vendor(votes) or "", ()):
            votes.kinds[prior_kind].append(prior)
        scores = {kind: votes.score(kind) for kind in DeviceKind}
    ranked = sorted(_MEDIA_KINDS, key=lambda k: (-scores[k], _MEDIA_KINDS.index(k)))
    best = ranked[0]
    other = scores[OTHER]
    if scores[best] >= MEDIA_THRESHOLD and scores[best] > other:
        kind = best
        runner_up = max(scores[ranked[1]], other)
        confidence = scores[best] * (1.0 - 0.5 * runner_up)
    else:
        kind = OTHER
        confidence = 0.5 + 0.5 * other - 0.5 * scores[best]
    confidence = round(min(max(confidence, 0.01), 0.99), 2)
    vendor = _decide_vendor(votes, kind)
    model = None
    if votes.models:
        model = max(votes.models, key=lambda item: item[0])[1]
    ordered: list[str] = []
    for _strength, text in sorted(votes.evidence, key=lambda item: -item[0]):
        if text not in ordered:
            ordered.append(text)
        if len(ordered) >= MAX_EVIDENCE:
            break
    reason = "; ".join(ordered[:3]) if ordered else "no discovery rule matched"
    result = Classification(
        kind=kind,
        vendor=vendor,
        reason=reason[:200],
        model=model,
        confidence=confidence,
        evidence=tuple(ordered),
    )
    return result, names
