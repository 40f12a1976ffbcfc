"""Which system a config entry talks to, and the backend that talks to it.

An entry's data names its backend (``backend``): ``linux_ssh`` (a Linux/OpenWrt
router over SSH: nftables and dnsmasq; entries from before the DNS filters have
no key and are this), ``adguard`` (AdGuard Home's HTTP API) or ``pihole``
(Pi-hole v6's REST API). HTTP backends use Home Assistant's shared aiohttp
session, one without certificate checks only when the user turned them off.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .backends.adguard import AdGuardBackend
from .backends.base import Backend
from .backends.linux_ssh import LinuxSshBackend, LogSource, SshSettings
from .backends.pihole import PiholeBackend
from .const import (
    CONF_DNSMASQ_CONF_DIR,
    CONF_DNSMASQ_RESTART,
    CONF_HOST_KEY,
    CONF_LEASES_PATH,
    CONF_LOG_PATH,
    CONF_LOG_SOURCE,
    CONF_PRIVATE_KEY,
)

CONF_BACKEND: Final = "backend"


class BackendType(StrEnum):
    """The systems Snoop Guard can work with."""

    LINUX_SSH = "linux_ssh"
    ADGUARD = "adguard"
    PIHOLE = "pihole"


DEFAULT_HTTP_PORTS: Final = {BackendType.ADGUARD: 3000, BackendType.PIHOLE: 80}


def backend_type(data: Mapping[str, Any]) -> BackendType:
    """Return the system an entry's data describes (older entries: the SSH router)."""
    return BackendType(data.get(CONF_BACKEND, BackendType.LINUX_SSH))


def settings_from_data(data: Mapping[str, Any]) -> SshSettings:
    """Build SSH backend settings from a config entry's data."""
    return SshSettings(
        host=data[CONF_HOST],
        port=int(data[CONF_PORT]),
        username=data[CONF_USERNAME],
        password=data.get(CONF_PASSWORD) or None,
        private_key=data.get(CONF_PRIVATE_KEY) or None,
        host_key=data.get(CONF_HOST_KEY),
        log_source=LogSource(data.get(CONF_LOG_SOURCE, LogSource.FILE)),
        log_path=data.get(CONF_LOG_PATH, ""),
        leases_path=data[CONF_LEASES_PATH],
        dnsmasq_conf_dir=data[CONF_DNSMASQ_CONF_DIR],
        dnsmasq_restart=data[CONF_DNSMASQ_RESTART],
    )


def build_backend(hass: HomeAssistant, data: Mapping[str, Any]) -> Backend:
    """Build (but do not connect) the backend an entry's data describes."""
    kind = backend_type(data)
    if kind is BackendType.LINUX_SSH:
        return LinuxSshBackend(settings_from_data(data))
    verify = bool(data.get(CONF_VERIFY_SSL, True))
    session = async_get_clientsession(hass, verify_ssl=verify)
    tls = bool(data.get(CONF_SSL, False))
    port = int(data.get(CONF_PORT, DEFAULT_HTTP_PORTS[kind]))
    if kind is BackendType.ADGUARD:
        return AdGuardBackend(
            session,
            host=str(data[CONF_HOST]),
            port=port,
            tls=tls,
            verify_ssl=verify,
            username=data.get(CONF_USERNAME) or None,
            password=data.get(CONF_PASSWORD) or None,
        )
    return PiholeBackend(
        session,
        host=str(data[CONF_HOST]),
        port=port,
        tls=tls,
        verify_ssl=verify,
        password=str(data.get(CONF_PASSWORD) or ""),
    )


def describe(data: Mapping[str, Any]) -> str:
    """Where the entry's system is, for log messages (no credentials)."""
    return f"{backend_type(data).value} at {data.get(CONF_HOST)}:{data.get(CONF_PORT)}"


def server_key(data: Mapping[str, Any]) -> str:
    """Identify the server an entry's data points at (what a stored log cursor belongs to)."""
    host = str(data.get(CONF_HOST, "")).strip().lower()
    return f"{backend_type(data).value}:{host}:{data.get(CONF_PORT)}"
