"""Config flow: pick the system, then set it up.

A Linux/OpenWrt router is reached over SSH (its host key pinned, dnsmasq paths
confirmed; the steps are here, their forms in flow_ssh.py). AdGuard Home and
Pi-hole v6 are reached over their HTTP APIs (flow_dnsfilter.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from .backends.base import (
    BackendAuthError,
    BackendConnectionError,
    BackendError,
    HostKeyMismatchError,
    MissingToolError,
    RouterInfo,
)
from .backends.linux_ssh import LinuxSshBackend, async_fetch_host_key, host_key_fingerprint
from .connection import BackendType, backend_type, settings_from_data
from .const import (
    CONF_DNSMASQ_CONF_DIR,
    CONF_HOST_KEY,
    CONF_LOG_PATH,
    CONF_PRIVATE_KEY,
    CONF_ROUTER_ID,
    DEFAULT_PORT,
    DOMAIN,
    LOGGER,
)
from .flow_dnsfilter import DnsFilterFlow
from .flow_ssh import (
    IDENTITY_KEYS,
    ROUTER_KEYS,
    clean_connection,
    connection_schema,
    credentials_schema,
    has_credentials,
    router_schema,
    with_paths,
)
from .identity import new_router_id
from .options_flow import SnoopGuardOptionsFlow


async def _async_try_connect(data: Mapping[str, Any], errors: dict[str, str]) -> RouterInfo | None:
    """Connect with ``data`` (host key pinned); fill ``errors`` on failure."""
    backend = LinuxSshBackend(settings_from_data(dict(with_paths(data, "linux"))))
    try:
        return await backend.async_connect()
    except HostKeyMismatchError:
        errors["base"] = "host_key_mismatch"
    except BackendAuthError:
        errors["base"] = "invalid_auth"
    except MissingToolError:
        errors["base"] = "missing_tools"
    except BackendConnectionError:
        errors[CONF_HOST] = "cannot_connect"
    except BackendError:
        LOGGER.exception("Unexpected error talking to the router")
        errors["base"] = "unknown"
    finally:
        await backend.async_close()
    return None


async def _async_check_paths(data: Mapping[str, Any], errors: dict[str, str]) -> None:
    backend = LinuxSshBackend(settings_from_data(dict(data)))
    try:
        problems = await backend.async_check_paths()
    except BackendError as err:
        LOGGER.debug("Checking router paths failed: %s", err)
        errors["base"] = "cannot_connect"
        return
    finally:
        await backend.async_close()
    if "log" in problems:
        errors[CONF_LOG_PATH] = "log_not_found"
    if "conf_dir" in problems:
        errors[CONF_DNSMASQ_CONF_DIR] = "conf_dir_not_found"


class SnoopGuardConfigFlow(DnsFilterFlow, domain=DOMAIN):
    """Set up Snoop Guard for one router or DNS filter."""

    VERSION = 1
    # 1.2: entry.data carries the router id that unique ids are built from (identity.py).
    MINOR_VERSION = 2

    def __init__(self) -> None:
        """Start with nothing."""
        super().__init__()
        self._data: dict[str, Any] = {}
        self._info: RouterInfo | None = None
        self._discovered: dict[str, Any] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> SnoopGuardOptionsFlow:
        """Return the options flow."""
        return SnoopGuardOptionsFlow()

    async def _async_connection_step(
        self, user_input: dict[str, Any], errors: dict[str, str], *, pinned: str | None
    ) -> bool:
        """Validate connection input; on success keep it in self._data."""
        if not has_credentials(user_input):
            errors["base"] = "no_credentials"
            return False
        data = clean_connection(user_input)
        try:
            presented = await async_fetch_host_key(data[CONF_HOST], data[CONF_PORT])
        except BackendError:
            errors[CONF_HOST] = "cannot_connect"
            return False
        if pinned is not None and host_key_fingerprint(presented) != host_key_fingerprint(pinned):
            errors["base"] = "host_key_mismatch"
            return False
        data[CONF_HOST_KEY] = presented
        info = await _async_try_connect(data, errors)
        if info is None:
            return False
        self._data, self._info = data, info
        return True

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """Handle an OpenWrt router found by HA's DHCP/network discovery."""
        return await self._async_step_discovered(discovery_info.ip, DEFAULT_PORT)

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """Handle an OpenWrt router that announced its SSH server over mDNS."""
        return await self._async_step_discovered(
            str(discovery_info.ip_address), discovery_info.port or DEFAULT_PORT
        )

    async def _async_step_discovered(self, host: str, port: int) -> ConfigFlowResult:
        """Identify the router by its host key; update a known one, offer a new one."""
        try:
            presented = await async_fetch_host_key(host, port)
        except BackendError:
            return self.async_abort(reason="cannot_connect")
        await self.async_set_unique_id(host_key_fingerprint(presented))
        self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
        self._discovered = {CONF_HOST: host, CONF_PORT: port}
        self.context["title_placeholders"] = {"host": host}
        return await self.async_step_ssh()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which system Snoop Guard works with."""
        return self.async_show_menu(
            step_id="user",
            menu_options=["ssh", BackendType.ADGUARD.value, BackendType.PIHOLE.value],
        )

    async def async_step_ssh(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask how to reach the router over SSH."""
        errors: dict[str, str] = {}
        if user_input is not None and await self._async_connection_step(
            user_input, errors, pinned=None
        ):
            await self.async_set_unique_id(host_key_fingerprint(self._data[CONF_HOST_KEY]))
            self._abort_if_unique_id_configured(
                updates={CONF_HOST: self._data[CONF_HOST], CONF_PORT: self._data[CONF_PORT]}
            )
            return await self.async_step_router()
        values = user_input or self._discovered
        return self.async_show_form(
            step_id="ssh",
            data_schema=self.add_suggested_values_to_schema(connection_schema(values), values),
            errors=errors,
        )

    async def async_step_router(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Confirm where dnsmasq keeps its log, leases and configuration."""
        assert self._info is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            data = self._data | {k: str(user_input.get(k, "")).strip() for k in ROUTER_KEYS}
            await _async_check_paths(data, errors)
            if not errors:
                if self.source == "reconfigure":
                    entry = self._get_reconfigure_entry()
                    kept = {k: entry.data[k] for k in IDENTITY_KEYS if k in entry.data}
                    return self.async_update_reload_and_abort(entry, data=data | kept)
                return self.async_create_entry(
                    title=self._info.hostname or self._data[CONF_HOST],
                    data=data | {CONF_ROUTER_ID: new_router_id()},
                )
            values = data
        else:
            values = with_paths(self._data, self._info.system)
        return self.async_show_form(
            step_id="router",
            data_schema=router_schema(values),
            errors=errors,
            description_placeholders={
                "system": "OpenWrt" if self._info.system == "openwrt" else "Linux",
                "hostname": self._info.hostname or self._data[CONF_HOST],
                "fingerprint": host_key_fingerprint(self._data[CONF_HOST_KEY]),
            },
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change how the system is reached (a router's host key must stay the same)."""
        entry = self._get_reconfigure_entry()
        if (kind := backend_type(entry.data)) is BackendType.ADGUARD:
            return await self.async_step_reconfigure_adguard()
        if kind is BackendType.PIHOLE:
            return await self.async_step_reconfigure_pihole()
        errors: dict[str, str] = {}
        if user_input is not None and await self._async_connection_step(
            user_input, errors, pinned=entry.data[CONF_HOST_KEY]
        ):
            self._data = {k: v for k, v in entry.data.items() if k in ROUTER_KEYS} | self._data
            return await self.async_step_router()
        values = {k: v for k, v in entry.data.items() if k in (CONF_HOST, CONF_PORT, CONF_USERNAME)}
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                connection_schema(values), user_input or values
            ),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication: the system refused us (or showed another host key)."""
        if (kind := backend_type(entry_data)) is BackendType.ADGUARD:
            return await self.async_step_reauth_adguard()
        if kind is BackendType.PIHOLE:
            return await self.async_step_reauth_pihole()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for credentials again; show the host key the router presents now."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        try:
            presented: str | None = await async_fetch_host_key(
                entry.data[CONF_HOST], entry.data[CONF_PORT]
            )
        except BackendError:
            presented = None
        changed = presented is not None and host_key_fingerprint(presented) != host_key_fingerprint(
            entry.data[CONF_HOST_KEY]
        )
        if user_input is not None:
            if not has_credentials(user_input):
                errors["base"] = "no_credentials"
            elif presented is None:
                errors["base"] = "cannot_connect"
            else:
                # Submitting this form is the user's consent to trust the key shown.
                data = (
                    {
                        k: v
                        for k, v in entry.data.items()
                        if k not in (CONF_PASSWORD, CONF_PRIVATE_KEY)
                    }
                    | clean_connection(
                        {k: entry.data[k] for k in (CONF_HOST, CONF_PORT, CONF_USERNAME)}
                        | user_input
                    )
                    | {CONF_HOST_KEY: presented}
                )
                if await _async_try_connect(data, errors) is not None:
                    return self.async_update_reload_and_abort(
                        entry, unique_id=host_key_fingerprint(presented), data=data
                    )
        placeholders = {"host": entry.data[CONF_HOST]}
        if changed and presented is not None:
            placeholders |= {
                "new_fingerprint": host_key_fingerprint(presented),
                "old_fingerprint": host_key_fingerprint(entry.data[CONF_HOST_KEY]),
            }
        return self.async_show_form(
            step_id="reauth_host_key" if changed else "reauth_confirm",
            data_schema=credentials_schema(),
            errors=errors,
            description_placeholders=placeholders,
        )

    # The changed-key form posts back here; it differs only in its warning text.
    async_step_reauth_host_key = async_step_reauth_confirm
