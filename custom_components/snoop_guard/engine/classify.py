"""The vocabulary of device classification: :class:`DeviceKind` and :class:`Classification`.

:func:`.discovery.classify` produces a :class:`Classification` from a device's mDNS, SSDP,
DHCP and router records and its MAC address; the options ("watch automatically") are
expressed in :class:`DeviceKind` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Classification", "DeviceKind"]


class DeviceKind(StrEnum):
    """Coarse kind of a LAN client."""

    TV = "tv"
    STREAMER = "streamer"
    SPEAKER = "speaker"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Classification:
    """Result of :func:`.discovery.classify`.

    ``reason`` joins the strongest evidence; ``model``, ``confidence`` (0..1) and
    ``evidence`` (human-readable strings, strongest first) explain the decision.
    """

    kind: DeviceKind
    vendor: str | None
    reason: str
    model: str | None = None
    confidence: float = 0.0
    evidence: tuple[str, ...] = ()
