"""Repair flows: act on a suspected inventory upload or a DNS bypass with one click."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN


class UploadRepairFlow(RepairsFlow):
    """Offer to block the device's trackers or its internet access."""

    def __init__(self, entry_id: str, mac: str) -> None:
        """Remember which device this is about."""
        self.entry_id = entry_id
        self.mac = mac

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Show the choices."""
        return self.async_show_menu(
            step_id="init", menu_options=["block_trackers", "block_internet", "ignore"]
        )

    async def _async_block(self, what: str) -> RepairsFlowResult:
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="not_loaded")
        try:
            await entry.runtime_data.coordinator.async_set_kind(
                self.mac, what, True, reason="repair"
            )
        except HomeAssistantError:
            # The wish is stored and the next reconciliation applies it; say so.
            return self.async_abort(reason="apply_later")
        return self.async_create_entry(data={})

    async def async_step_block_trackers(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Block the device's trackers."""
        return await self._async_block("trackers")

    async def async_step_block_internet(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Cut the device off from the internet."""
        return await self._async_block("internet")

    async def async_step_ignore(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Acknowledge without blocking."""
        return self.async_create_entry(data={})


class BypassRepairFlow(UploadRepairFlow):
    """Offer to block the DNS bypass of a device that avoids the home's DNS."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Confirm, then block the bypass."""
        if user_input is None:
            return self.async_show_form(step_id="init")
        return await self._async_block("bypass")


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the fix flow of a suspected upload or a DNS bypass."""
    data = data or {}
    entry_id, mac = str(data.get("entry_id", "")), str(data.get("mac", ""))
    if issue_id.startswith("bypass_"):
        return BypassRepairFlow(entry_id, mac)
    return UploadRepairFlow(entry_id, mac)


__all__ = ["DOMAIN", "async_create_fix_flow"]
