"""Per-device block switches, backed by rules on the router."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.components.switch.const import SwitchDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .backends.base import Capability, EnforcedState, Enforcement
from .entity import SnoopGuardDeviceEntity, async_add_per_device
from .runtime import SnoopGuardConfigEntry, SnoopGuardRuntimeData
from .tracking import TrackedDevice

# Each switch writes the router's ruleset: one change at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class SnoopGuardSwitchDescription(SwitchEntityDescription):
    """How a block switch reads and changes the router."""

    capability: Capability
    is_on_fn: Callable[[EnforcedState, str], bool]
    field: str


SWITCHES: tuple[SnoopGuardSwitchDescription, ...] = (
    SnoopGuardSwitchDescription(
        key="block_trackers",
        translation_key="block_trackers",
        device_class=SwitchDeviceClass.SWITCH,
        capability=Capability.BLOCK_TRACKERS,
        is_on_fn=lambda state, mac: mac in state.block_trackers,
        field="trackers",
    ),
    SnoopGuardSwitchDescription(
        key="block_internet",
        translation_key="block_internet",
        device_class=SwitchDeviceClass.SWITCH,
        capability=Capability.BLOCK_INTERNET,
        is_on_fn=lambda state, mac: mac in state.block_internet,
        field="internet",
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SnoopGuardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add block switches for every watched device, now and whenever one appears."""
    capabilities = entry.runtime_data.coordinator.roles.capabilities
    descriptions = [d for d in SWITCHES if d.capability in capabilities]
    async_add_per_device(
        entry,
        async_add_entities,
        lambda runtime, device: (SnoopGuardBlockSwitch(runtime, device, d) for d in descriptions),
    )


class SnoopGuardBlockSwitch(SnoopGuardDeviceEntity, SwitchEntity):
    """On means the router really enforces this block (read back from it)."""

    entity_description: SnoopGuardSwitchDescription

    def __init__(
        self,
        runtime: SnoopGuardRuntimeData,
        device: TrackedDevice,
        description: SnoopGuardSwitchDescription,
    ) -> None:
        """Set up the switch."""
        super().__init__(runtime, device, description)

    @property
    def available(self) -> bool:
        """Unavailable while we do not know what the router enforces."""
        return super().available and self.coordinator.data.enforced is not None

    @property
    def is_on(self) -> bool | None:
        """Return whether the router enforces the block."""
        state = self.coordinator.data.enforced
        return None if state is None else self.entity_description.is_on_fn(state, self.mac)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Show the desired state too, which differs while the router is unreachable.

        ``blocked_until`` is when a timed block ends by itself (None: no timer).
        """
        field = self.entity_description.field
        blocks = self.coordinator.blocks
        policy = blocks.policies.get(self.mac)
        wanted = bool(policy and getattr(policy, f"block_{field}"))
        until = blocks.expiry.get((self.mac, field))
        enforcement = self.coordinator.roles.enforcement
        enforced = self.coordinator.data.enforced
        return {
            "desired": wanted,
            "blocked_until": until.isoformat() if until else None,
            # How the block works: "firewall" (the router drops the packets) or "dns"
            # (the DNS filter refuses the names; a device with its own resolver or
            # DNS over HTTPS is not stopped by it).
            "enforced_by": str(enforcement),
            "bypassable_by_own_dns": enforcement is Enforcement.DNS,
            # Why the server does not enforce what Snoop Guard wrote (protection paused…),
            # or that a DNS filter's rule for the device has no address to name.
            "not_enforced_because": [
                *(enforced.limits if enforced is not None else ()),
                *(
                    ["address_unknown"]
                    if wanted and enforcement is Enforcement.DNS and policy and not policy.ips
                    else []
                ),
            ],
        }

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Block."""
        await self.coordinator.async_set_kind(
            self.mac, self.entity_description.field, True, reason="switch"
        )

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Unblock."""
        await self.coordinator.async_set_kind(
            self.mac, self.entity_description.field, False, reason="switch"
        )
