"""Stable identities of Snoop Guard's devices and entities.

Every unique id and device identifier starts with the entry's router id. It is not
the entry's unique_id: that is the SSH host-key fingerprint, which changes when the
user accepts a new host key (reauth after a router reinstall), and ids built from it
would orphan every entity, device and automation. A new entry gets a random router
id; an entry from before the router id existed got its unique_id of that time (see
``async_migrate_entry``), so the ids it already had stay exactly as they were.

Formats (``mac`` is lower-case, colon separated, see ``normalize_mac``):
* router device identifier ``(DOMAIN, router_id)``, its entities ``{router_id}_{key}``;
* LAN device identifier ``(DOMAIN, f"{router_id}_{mac}")``, its entities
  ``{router_id}_{mac}_{key}``.
"""

from __future__ import annotations

import uuid

from homeassistant.config_entries import ConfigEntry

from .const import CONF_ROUTER_ID, DOMAIN
from .engine.routerdata import normalize_mac

_MAC_LEN = len("00:00:00:00:00:00")


def new_router_id() -> str:
    """Return a router id for a new config entry."""
    return uuid.uuid4().hex


def router_id(entry: ConfigEntry) -> str:
    """Return the entry's router id (the unique_id only for an entry not yet migrated)."""
    return str(entry.data.get(CONF_ROUTER_ID) or entry.unique_id)


def router_identifier(entry: ConfigEntry) -> tuple[str, str]:
    """Return the device-registry identifier of the router itself."""
    return (DOMAIN, router_id(entry))


def router_unique_id(entry: ConfigEntry, key: str) -> str:
    """Return the unique id of one of the router's own entities."""
    return f"{router_id(entry)}_{key}"


def device_identifier(entry: ConfigEntry, mac: str) -> tuple[str, str]:
    """Return the identifier of the device we make for a LAN device."""
    return (DOMAIN, f"{router_id(entry)}_{mac}")


def device_unique_id(entry: ConfigEntry, mac: str, key: str) -> str:
    """Return the unique id of one of a LAN device's entities."""
    return f"{router_id(entry)}_{mac}_{key}"


def mac_of_unique_id(entry: ConfigEntry, unique_id: str) -> str | None:
    """Return the MAC of the LAN device an entity of this entry belongs to, or None.

    None for the router's own entities and for ids of another router.
    """
    prefix = f"{router_id(entry)}_"
    if not unique_id.startswith(prefix):
        return None
    rest = unique_id[len(prefix) :]
    mac = rest[:_MAC_LEN]
    if rest[_MAC_LEN : _MAC_LEN + 1] != "_" or normalize_mac(mac) != mac:
        return None
    return mac
