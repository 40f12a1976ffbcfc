"""What a loaded Snoop Guard entry holds while it runs (``entry.runtime_data``)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .backends.base import RouterInfo
from .coordinator import SnoopGuardCoordinator
from .knowledge import TrackerKnowledge
from .scanning import ScanMonitor
from .watchers import DiscoveryWatchers


@dataclass(frozen=True, kw_only=True, slots=True)
class SnoopGuardRuntimeData:
    """The parts of one running entry; each is wired to the others it needs at setup."""

    coordinator: SnoopGuardCoordinator
    knowledge: TrackerKnowledge
    scan: ScanMonitor
    watchers: DiscoveryWatchers
    router_info: RouterInfo


type SnoopGuardConfigEntry = ConfigEntry[SnoopGuardRuntimeData]
