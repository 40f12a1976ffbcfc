"""Which watched devices avoid the home's DNS, and the repair issue that offers to stop it.

The pure :class:`~.engine.dns_bypass.BypassDetector` does the recognising; this
module feeds it what the coordinator has: the flows the router read back after
each reconciliation (``EnforcedState.bypass_flows``) and the watched devices'
lookups of DoH bootstrap names from the DNS log. A device that bypasses while its
bypass is not blocked gets a fixable repair issue; the issue goes away when the
device stops (after the detector's quiet period) or the block is on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import timedelta
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .backends.base import DevicePolicy, EnforcedState
from .const import DOMAIN
from .device_owner import device_id_for_mac
from .engine.dns_bypass import BypassDetector, BypassState
from .plaintext import code_span, plain_name
from .tracking import TrackedDevice

# The method the sensor names when several were seen: the most specific first.
_METHOD_ORDER: Final = ("doh", "dot", "plain_dns", "doh_bootstrap")


def bypass_issue_id(entry_id: str, mac: str) -> str:
    """Return the repair issue id of a device that avoids the home's DNS (no MAC in it)."""
    digest = hashlib.sha256(f"{entry_id}|{mac}".encode()).hexdigest()[:16]
    return f"bypass_{entry_id}_{digest}"


class BypassMonitor:
    """Feeds the detector and keeps the repair issues in step with it."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Start with nothing observed."""
        self._hass = hass
        self._entry = entry
        host = str(entry.data.get("host", ""))
        self.detector = BypassDetector((host,) if host else (), now=dt_util.utcnow)
        self._enforced: EnforcedState | None = None
        self._policies: Mapping[str, DevicePolicy] = {}
        self._names: dict[str, str] = {}
        self._raised: set[str] = set()

    @property
    def observes(self) -> bool:
        """Whether the backend can see DNS that goes past the home's resolver."""
        return self._enforced is not None and self._enforced.observes_bypass

    def bypassing(self, mac: str) -> bool:
        """Return whether ``mac`` avoids the home's DNS now."""
        return self.detector.state(mac).bypassing

    def evidence(self, mac: str) -> BypassState:
        """Return how and to which resolvers ``mac`` avoided the home's DNS."""
        return self.detector.state(mac)

    @staticmethod
    def method(state: BypassState) -> str | None:
        """Return the most specific method in ``state`` (None when there is none)."""
        return next((m for m in _METHOD_ORDER if m in state.methods), None)

    @callback
    def feed_enforced(
        self,
        enforced: EnforcedState,
        devices: Mapping[str, TrackedDevice],
        policies: Mapping[str, DevicePolicy],
    ) -> None:
        """Feed the flows the router read back for watched devices; update the issues."""
        self._enforced = enforced
        self._policies = policies
        self._names = {mac: device.name for mac, device in devices.items()}
        if enforced.observes_bypass:
            now = dt_util.utcnow()
            for flow in enforced.bypass_flows:
                if flow.mac in devices:
                    ago = timedelta(seconds=max(0, flow.seconds_ago or 0))
                    self.detector.feed_flow(flow.mac, flow.address, flow.port, now - ago)
        for mac in set(devices) | self._raised:
            self._update_issue(mac)

    @callback
    def feed_lookup(self, mac: str, name: str, watched: bool) -> bool:
        """Feed one DNS lookup of a device; return whether it made the device bypass."""
        if not watched or not self.detector.feed_lookup(mac, name):
            return False
        self._update_issue(mac)
        return True

    @callback
    def _update_issue(self, mac: str) -> None:
        entry_id = self._entry.entry_id
        issue_id = bypass_issue_id(entry_id, mac)
        policy = self._policies.get(mac)
        enforced = self._enforced
        blocked = (policy is not None and policy.block_bypass) or (
            enforced is not None and mac in enforced.block_bypass
        )
        state = self.detector.state(mac)
        if not state.bypassing or blocked or mac not in self._names:
            # Also one raised before a restart (the issue registry keeps it).
            self._raised.discard(mac)
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
            return
        if mac in self._raised:
            return
        self._raised.add(mac)
        device_id = device_id_for_mac(self._hass, self._entry, mac)
        device = dr.async_get(self._hass).async_get(device_id) if device_id else None
        name = (device.name_by_user or device.name) if device else self._names.get(mac)
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id,
            is_fixable=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key="dns_bypass",
            translation_placeholders={
                "device": plain_name(name, fallback=mac.upper()),
                "method": code_span(self.method(state) or "?"),
                "resolvers": ", ".join(code_span(r) for r in state.resolvers) or "-",
            },
            data={"entry_id": entry_id, "mac": mac},
        )
