"""Diagnostics: what Snoop Guard knows, with secrets and identifying data redacted."""

from __future__ import annotations

import re
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import CONF_HOST_KEY, CONF_PRIVATE_KEY
from .coordinator import SnoopGuardConfigEntry, TrackedDevice

TO_REDACT = {CONF_PASSWORD, CONF_PRIVATE_KEY, CONF_HOST, CONF_USERNAME, CONF_HOST_KEY}


def _redact_names(text: str, device: TrackedDevice) -> str:
    """Keep classification evidence but not the names that identify the device."""
    for secret in {device.hostname, device.name, device.mac, *device.ips}:
        if secret:
            text = re.sub(re.escape(secret), "**REDACTED**", text, flags=re.IGNORECASE)
    return text


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SnoopGuardConfigEntry
) -> dict[str, Any]:
    """Return diagnostics; device MACs, IPs and host names are replaced by labels."""
    coordinator = entry.runtime_data
    now = dt_util.utcnow()
    labels = {mac: f"device_{i}" for i, mac in enumerate(sorted(coordinator.data.devices))}
    enforced = coordinator.data.enforced
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "knowledge": coordinator.knowledge_summary(),
        "router": {
            "capabilities": sorted(coordinator.backend.capabilities),
            "stream_connected": coordinator.stream_connected,
            "reapply_count": coordinator.reapply_count,
            "log_lines": {
                "parsed": coordinator.parser.parsed,
                "malformed": coordinator.parser.malformed,
                "ignored": coordinator.parser.ignored,
            },
            "enforced": None
            if enforced is None
            else {
                "table_present": enforced.table_present,
                "rules_intact": enforced.rules_intact,
                "in_sync": enforced.in_sync,
                "dns_snippet_current": enforced.dns_snippet_current,
                "tracker_addresses": enforced.tracker_addresses,
                "block_trackers": sorted(labels.get(m, "unknown") for m in enforced.block_trackers),
                "block_internet": sorted(labels.get(m, "unknown") for m in enforced.block_internet),
            },
        },
        "devices": {
            labels[mac]: {
                "kind": str(device.classification.kind),
                "vendor": device.classification.vendor,
                "model": device.classification.model,
                "confidence": device.classification.confidence,
                "evidence": [
                    _redact_names(item, device)
                    for item in (device.classification.evidence or (device.classification.reason,))
                ],
                "addresses": len(device.ips),
                "contacts_24h": coordinator.counters.count(mac, now),
                "companies": coordinator.counters.companies(mac, now),
                "block_trackers": mac in coordinator.policies
                and coordinator.policies[mac].block_trackers,
                "block_internet": mac in coordinator.policies
                and coordinator.policies[mac].block_internet,
            }
            for mac, device in coordinator.data.devices.items()
        },
    }
