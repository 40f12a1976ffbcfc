"""The blocks the user wants, per device, and the timers that end timed blocks.

What is wanted is kept apart from what the router enforces (the coordinator reads
that back): a wish made while the router is unreachable stays here, is stored, and
the next reconciliation applies it. A timed block ("no internet for two hours")
has its end time stored with it, so the timer is set again after a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .backends.base import DevicePolicy
from .const import BLOCK_KINDS
from .engine.routerdata import normalize_mac

# (mac, "trackers" | "internet"); "bypass" blocks have no timer
type BlockKey = tuple[str, str]


def _is_blocking(policy: DevicePolicy | None) -> bool:
    return policy is not None and (
        policy.block_trackers or policy.block_internet or policy.block_bypass
    )


class BlockPolicies:
    """Desired blocks per MAC, and when timed ones end."""

    def __init__(self, hass: HomeAssistant, on_expired: Callable[[str, str], None]) -> None:
        """Nothing is scheduled before async_start_timers; ``on_expired(mac, what)`` ends one."""
        self._hass = hass
        self._on_expired = on_expired
        self._policies: dict[str, DevicePolicy] = {}
        self._expiry: dict[BlockKey, datetime] = {}
        self._timers: dict[BlockKey, CALLBACK_TYPE] = {}

    @property
    def policies(self) -> Mapping[str, DevicePolicy]:
        """Every device's desired blocks (read-only)."""
        return MappingProxyType(self._policies)

    @property
    def expiry(self) -> Mapping[BlockKey, datetime]:
        """When each timed block ends (read-only)."""
        return MappingProxyType(self._expiry)

    def blocked(self, mac: str) -> bool:
        """Return whether any block of ``mac`` is wanted."""
        return _is_blocking(self._policies.get(mac))

    def active(self) -> list[DevicePolicy]:
        """Return the policies that block something (what the router gets)."""
        return [p for p in self._policies.values() if _is_blocking(p)]

    # -- persistence -----------------------------------------------------------------

    def load(self, data: Mapping[str, Any]) -> None:
        """Restore policies and timed blocks from the hub's stored data."""
        raw_policies = data.get("policies")
        if isinstance(raw_policies, dict):
            for raw_mac, raw in raw_policies.items():
                mac = normalize_mac(str(raw_mac))
                if mac is None or not isinstance(raw, dict):
                    continue
                ips = raw.get("ips")
                self._policies[mac] = DevicePolicy(
                    mac=mac,
                    ips=tuple(str(ip) for ip in ips) if isinstance(ips, list) else (),
                    block_trackers=raw.get("block_trackers") is True,
                    block_internet=raw.get("block_internet") is True,
                    block_bypass=raw.get("block_bypass") is True,
                )
        raw_expiry = data.get("expiry")
        if isinstance(raw_expiry, dict):
            for key, value in raw_expiry.items():
                mac, _, what = str(key).partition("|")
                when = dt_util.parse_datetime(str(value))
                if (mac := normalize_mac(mac) or "") and what in BLOCK_KINDS and when:
                    self._expiry[(mac, what)] = when

    def to_dict(self) -> dict[str, Any]:
        """Return what load restores (only policies that block something)."""
        return {
            "policies": {
                mac: {
                    "ips": list(p.ips),
                    "block_trackers": p.block_trackers,
                    "block_internet": p.block_internet,
                    "block_bypass": p.block_bypass,
                }
                for mac, p in self._policies.items()
                if _is_blocking(p)
            },
            "expiry": {
                f"{mac}|{what}": when.isoformat() for (mac, what), when in self._expiry.items()
            },
        }

    # -- changes -----------------------------------------------------------------------

    @callback
    def change(
        self,
        mac: str,
        *,
        trackers: bool | None,
        internet: bool | None,
        until: datetime | None,
        ips: tuple[str, ...],
        bypass: bool | None = None,
    ) -> list[tuple[str, bool]]:
        """Set the wanted blocks of ``mac``; return the kinds that changed and their value.

        ``None`` leaves a kind as it is. With ``until`` the kinds turned on here end
        by themselves then; setting a kind cancels its timer otherwise. ``ips`` are the
        device's current addresses (empty: keep the known ones). ``bypass`` is the
        block of the device's DNS bypass (redirect, DoT/DoH reject).
        """
        for what, value in (("trackers", trackers), ("internet", internet), ("bypass", bypass)):
            if value is not None:
                self._set_expiry((mac, what), value, until)
        current = self._policies.get(mac) or DevicePolicy(mac=mac)
        policy = replace(
            current,
            ips=ips or current.ips,
            block_trackers=current.block_trackers if trackers is None else trackers,
            block_internet=current.block_internet if internet is None else internet,
            block_bypass=current.block_bypass if bypass is None else bypass,
        )
        self._policies[mac] = policy
        return [
            (what, after)
            for what, before, after in (
                ("trackers", current.block_trackers, policy.block_trackers),
                ("internet", current.block_internet, policy.block_internet),
                ("bypass", current.block_bypass, policy.block_bypass),
            )
            if before != after
        ]

    def refresh_addresses(
        self,
        addresses: Mapping[str, tuple[str, ...]],
        *,
        moved: Mapping[str, str] | None = None,
    ) -> None:
        """Follow devices to their current addresses (DHCP gave them new ones).

        A device with no address now keeps its last ones, except (with ``moved``, the
        address -> MAC map seen now) those another device holds now: rules keyed by
        address must never hit the new holder.
        """
        for mac, policy in list(self._policies.items()):
            ips = addresses.get(mac, ())
            if not ips and moved is not None:
                ips = tuple(ip for ip in policy.ips if moved.get(ip, mac) == mac)
            if (ips or moved is not None) and set(ips) != set(policy.ips):
                self._policies[mac] = replace(policy, ips=ips)

    def forget(self, mac: str) -> None:
        """Drop what is known of a device the user removed."""
        self._policies.pop(mac, None)

    # -- timers ------------------------------------------------------------------------

    @callback
    def async_start_timers(self) -> None:
        """Schedule the end of every timed block (after a restart, too)."""
        for key, when in list(self._expiry.items()):
            self._schedule(key, when)

    @callback
    def async_stop_timers(self) -> None:
        """Cancel every timer (the end times stay stored)."""
        for cancel in self._timers.values():
            cancel()
        self._timers.clear()

    @callback
    def _schedule(self, key: BlockKey, when: datetime) -> None:
        self._cancel(key)

        @callback
        def _expired(_now: datetime) -> None:
            self._timers.pop(key, None)
            self._expiry.pop(key, None)
            self._on_expired(*key)

        self._timers[key] = async_track_point_in_utc_time(self._hass, _expired, when)

    @callback
    def _cancel(self, key: BlockKey) -> None:
        if (cancel := self._timers.pop(key, None)) is not None:
            cancel()

    @callback
    def _set_expiry(self, key: BlockKey, block: bool, until: datetime | None) -> None:
        if block and until is not None:
            self._expiry[key] = until
            self._schedule(key, until)
            return
        self._expiry.pop(key, None)
        self._cancel(key)
