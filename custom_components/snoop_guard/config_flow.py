"""Config flow: connect to the router over SSH, pin its host key, confirm dnsmasq paths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import probatio
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
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
from .backends.linux_ssh import (
    LinuxSshBackend,
    LogSource,
    async_fetch_host_key,
    defaults_for,
    host_key_fingerprint,
)
from .const import (
    CONF_ALLOW_OVERRIDES,
    CONF_ALLOWED_SCANNERS,
    CONF_DEVICE_ALIASES,
    CONF_DNSMASQ_CONF_DIR,
    CONF_DNSMASQ_RESTART,
    CONF_EXCLUDE,
    CONF_HOST_KEY,
    CONF_INCLUDE,
    CONF_KINDS,
    CONF_LEASES_PATH,
    CONF_LOG_PATH,
    CONF_LOG_SOURCE,
    CONF_PRIVATE_KEY,
    CONF_ROUTER_ID,
    CONF_SCAN_INTERFACE,
    CONF_STALE_DAYS,
    CONF_SUBSCRIPTIONS,
    CONF_SWEEP_MIN_TARGETS,
    CONF_SWEEP_WINDOW,
    CONF_UPLOAD_WINDOW,
    DEFAULT_KINDS,
    DEFAULT_PORT,
    DEFAULT_STALE_DAYS,
    DEFAULT_USERNAME,
    DOMAIN,
    LOGGER,
)
from .engine.allowlist import FUNCTIONAL_ALLOW
from .engine.classify import DeviceKind
from .engine.routerdata import normalize_mac
from .engine.scan import ScanConfig
from .identity import new_router_id

_CONNECTION_KEYS = (CONF_HOST, CONF_PORT, CONF_USERNAME, CONF_PASSWORD, CONF_PRIVATE_KEY)
# Kept as they are when the connection is reconfigured (reauth keeps all but credentials).
_IDENTITY_KEYS = (CONF_ROUTER_ID, CONF_DEVICE_ALIASES)
_ROUTER_KEYS = (
    CONF_LOG_SOURCE,
    CONF_LOG_PATH,
    CONF_LEASES_PATH,
    CONF_DNSMASQ_CONF_DIR,
    CONF_DNSMASQ_RESTART,
)


def _connection_schema(values: Mapping[str, Any]) -> probatio.Schema:
    return probatio.Schema(
        {
            probatio.Required(CONF_HOST, default=values.get(CONF_HOST, "")): TextSelector(
                TextSelectorConfig(autocomplete="off")
            ),
            probatio.Required(
                CONF_PORT, default=values.get(CONF_PORT, DEFAULT_PORT)
            ): NumberSelector(NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX)),
            probatio.Required(
                CONF_USERNAME, default=values.get(CONF_USERNAME, DEFAULT_USERNAME)
            ): TextSelector(TextSelectorConfig(autocomplete="username")),
            probatio.Optional(CONF_PASSWORD): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD)
            ),
            probatio.Optional(CONF_PRIVATE_KEY): TextSelector(TextSelectorConfig(multiline=True)),
        }
    )


def _credentials_schema() -> probatio.Schema:
    return probatio.Schema(
        {
            probatio.Optional(CONF_PASSWORD): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD)
            ),
            probatio.Optional(CONF_PRIVATE_KEY): TextSelector(TextSelectorConfig(multiline=True)),
        }
    )


def _router_schema(values: Mapping[str, Any]) -> probatio.Schema:
    return probatio.Schema(
        {
            probatio.Required(CONF_LOG_SOURCE, default=values[CONF_LOG_SOURCE]): SelectSelector(
                SelectSelectorConfig(
                    options=[s.value for s in LogSource], translation_key="log_source"
                )
            ),
            probatio.Optional(CONF_LOG_PATH, default=values.get(CONF_LOG_PATH, "")): TextSelector(),
            probatio.Required(CONF_LEASES_PATH, default=values[CONF_LEASES_PATH]): TextSelector(),
            probatio.Required(
                CONF_DNSMASQ_CONF_DIR, default=values[CONF_DNSMASQ_CONF_DIR]
            ): TextSelector(),
            probatio.Required(
                CONF_DNSMASQ_RESTART, default=values[CONF_DNSMASQ_RESTART]
            ): TextSelector(),
        }
    )


def _clean_connection(user_input: Mapping[str, Any]) -> dict[str, Any]:
    data = {k: user_input[k] for k in _CONNECTION_KEYS if user_input.get(k)}
    data[CONF_HOST] = str(data[CONF_HOST]).strip()
    data[CONF_PORT] = int(data[CONF_PORT])
    if CONF_PRIVATE_KEY in data:
        data[CONF_PRIVATE_KEY] = str(data[CONF_PRIVATE_KEY]).strip() + "\n"
    return data


def _with_paths(data: Mapping[str, Any], system: str) -> dict[str, Any]:
    """Fill router paths from what fits the router's system, keeping ones already set."""
    defaults = defaults_for(system)
    filled = dict(data)
    filled.setdefault(CONF_LOG_SOURCE, str(defaults.log_source))
    filled.setdefault(CONF_LOG_PATH, defaults.log_path)
    filled.setdefault(CONF_LEASES_PATH, defaults.leases_path)
    filled.setdefault(CONF_DNSMASQ_CONF_DIR, defaults.dnsmasq_conf_dir)
    filled.setdefault(CONF_DNSMASQ_RESTART, defaults.dnsmasq_restart)
    return filled


async def _async_try_connect(data: Mapping[str, Any], errors: dict[str, str]) -> RouterInfo | None:
    """Connect with ``data`` (host key pinned); fill ``errors`` on failure."""
    from . import settings_from_data  # noqa: PLC0415 - avoid an import cycle

    backend = LinuxSshBackend(settings_from_data(dict(_with_paths(data, "linux"))))
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
    from . import settings_from_data  # noqa: PLC0415 - avoid an import cycle

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


class SnoopGuardConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up Snoop Guard for one router."""

    VERSION = 1
    # 1.2: entry.data carries the router id that unique ids are built from (identity.py).
    MINOR_VERSION = 2

    def __init__(self) -> None:
        """Start with nothing."""
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
        if not user_input.get(CONF_PASSWORD) and not user_input.get(CONF_PRIVATE_KEY):
            errors["base"] = "no_credentials"
            return False
        data = _clean_connection(user_input)
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
        return await self.async_step_user()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask how to reach the router."""
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
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(_connection_schema(values), values),
            errors=errors,
        )

    async def async_step_router(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Confirm where dnsmasq keeps its log, leases and configuration."""
        assert self._info is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            data = self._data | {k: str(user_input.get(k, "")).strip() for k in _ROUTER_KEYS}
            await _async_check_paths(data, errors)
            if not errors:
                if self.source == "reconfigure":
                    entry = self._get_reconfigure_entry()
                    kept = {k: entry.data[k] for k in _IDENTITY_KEYS if k in entry.data}
                    return self.async_update_reload_and_abort(entry, data=data | kept)
                return self.async_create_entry(
                    title=self._info.hostname or self._data[CONF_HOST],
                    data=data | {CONF_ROUTER_ID: new_router_id()},
                )
            values = data
        else:
            values = _with_paths(self._data, self._info.system)
        return self.async_show_form(
            step_id="router",
            data_schema=_router_schema(values),
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
        """Change how the router is reached; its host key must stay the same."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None and await self._async_connection_step(
            user_input, errors, pinned=entry.data[CONF_HOST_KEY]
        ):
            self._data = {k: v for k, v in entry.data.items() if k in _ROUTER_KEYS} | self._data
            return await self.async_step_router()
        values = {k: v for k, v in entry.data.items() if k in (CONF_HOST, CONF_PORT, CONF_USERNAME)}
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema(values), user_input or values
            ),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication: the router refused us or showed another host key."""
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
            if not user_input.get(CONF_PASSWORD) and not user_input.get(CONF_PRIVATE_KEY):
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
                    | _clean_connection(
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
            data_schema=_credentials_schema(),
            errors=errors,
            description_placeholders=placeholders,
        )

    # The changed-key form posts back here; it differs only in its warning text.
    async_step_reauth_host_key = async_step_reauth_confirm


DEFAULT_SCAN = ScanConfig()


def _valid_url(url: str) -> bool:
    parsed = urlsplit(url)
    return parsed.scheme in ("http", "https") and bool(parsed.hostname) and len(url) <= 2048


def _allow_options() -> list[SelectOptionDict]:
    """List the functional allow rules a user may choose to not honour."""
    return [
        SelectOptionDict(value=row.id, label=f"{row.domain}: {row.reason}")
        for row in FUNCTIONAL_ALLOW
    ]


class SnoopGuardOptionsFlow(OptionsFlowWithReload):
    """Options that change what Snoop Guard watches and what counts as a tracker."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick which devices are watched, subscribed lists and allow-list overrides."""
        errors: dict[str, str] = {}
        options = dict(self.config_entry.options)
        if user_input is not None:
            urls = [u.strip() for u in user_input.get(CONF_SUBSCRIPTIONS, []) if u.strip()]
            include = [normalize_mac(m) for m in user_input.get(CONF_INCLUDE, []) if m.strip()]
            scanners = [
                normalize_mac(m) for m in user_input.get(CONF_ALLOWED_SCANNERS, []) if m.strip()
            ]
            exclude = [normalize_mac(m) for m in user_input.get(CONF_EXCLUDE, []) if m.strip()]
            if not all(_valid_url(u) for u in urls):
                errors[CONF_SUBSCRIPTIONS] = "invalid_url"
            elif None in include:
                errors[CONF_INCLUDE] = "invalid_mac"
            elif None in exclude:
                errors[CONF_EXCLUDE] = "invalid_mac"
            elif None in scanners:
                errors[CONF_ALLOWED_SCANNERS] = "invalid_mac"
            else:
                return self.async_create_entry(
                    data={
                        CONF_KINDS: list(user_input.get(CONF_KINDS, [])),
                        CONF_INCLUDE: sorted({m for m in include if m}),
                        CONF_EXCLUDE: sorted({m for m in exclude if m}),
                        CONF_STALE_DAYS: int(user_input.get(CONF_STALE_DAYS, DEFAULT_STALE_DAYS)),
                        CONF_SUBSCRIPTIONS: list(dict.fromkeys(urls)),
                        CONF_ALLOW_OVERRIDES: list(user_input.get(CONF_ALLOW_OVERRIDES, [])),
                        CONF_SCAN_INTERFACE: str(user_input.get(CONF_SCAN_INTERFACE, "")).strip(),
                        CONF_ALLOWED_SCANNERS: sorted({m for m in scanners if m}),
                        CONF_SWEEP_MIN_TARGETS: int(
                            user_input.get(CONF_SWEEP_MIN_TARGETS, DEFAULT_SCAN.sweep_min_targets)
                        ),
                        CONF_SWEEP_WINDOW: int(
                            user_input.get(
                                CONF_SWEEP_WINDOW, DEFAULT_SCAN.sweep_window.total_seconds()
                            )
                        ),
                        CONF_UPLOAD_WINDOW: int(
                            user_input.get(
                                CONF_UPLOAD_WINDOW, DEFAULT_SCAN.upload_window.total_seconds() / 60
                            )
                        ),
                    }
                )
            options |= user_input
        text_list = TextSelector(TextSelectorConfig(multiple=True))
        return self.async_show_form(
            step_id="init",
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_KINDS, default=list(options.get(CONF_KINDS, DEFAULT_KINDS))
                    ): SelectSelector(
                        SelectSelectorConfig(
                            options=[k.value for k in DeviceKind],
                            multiple=True,
                            translation_key="device_kind",
                        )
                    ),
                    probatio.Optional(
                        CONF_INCLUDE, default=options.get(CONF_INCLUDE, [])
                    ): text_list,
                    probatio.Optional(
                        CONF_EXCLUDE, default=options.get(CONF_EXCLUDE, [])
                    ): text_list,
                    probatio.Required(
                        CONF_STALE_DAYS, default=options.get(CONF_STALE_DAYS, DEFAULT_STALE_DAYS)
                    ): NumberSelector(
                        NumberSelectorConfig(min=1, max=365, mode=NumberSelectorMode.BOX)
                    ),
                    probatio.Optional(
                        CONF_SUBSCRIPTIONS, default=options.get(CONF_SUBSCRIPTIONS, [])
                    ): TextSelector(TextSelectorConfig(type=TextSelectorType.URL, multiple=True)),
                    probatio.Optional(
                        CONF_ALLOW_OVERRIDES, default=options.get(CONF_ALLOW_OVERRIDES, [])
                    ): SelectSelector(
                        SelectSelectorConfig(
                            options=_allow_options(),
                            multiple=True,
                            mode=SelectSelectorMode.DROPDOWN,
                        )
                    ),
                    probatio.Optional(
                        CONF_SCAN_INTERFACE, default=options.get(CONF_SCAN_INTERFACE, "")
                    ): TextSelector(),
                    probatio.Optional(
                        CONF_ALLOWED_SCANNERS, default=options.get(CONF_ALLOWED_SCANNERS, [])
                    ): text_list,
                    probatio.Required(
                        CONF_SWEEP_MIN_TARGETS,
                        default=options.get(CONF_SWEEP_MIN_TARGETS, DEFAULT_SCAN.sweep_min_targets),
                    ): NumberSelector(
                        NumberSelectorConfig(min=3, max=254, mode=NumberSelectorMode.BOX)
                    ),
                    probatio.Required(
                        CONF_SWEEP_WINDOW,
                        default=options.get(
                            CONF_SWEEP_WINDOW, int(DEFAULT_SCAN.sweep_window.total_seconds())
                        ),
                    ): NumberSelector(
                        NumberSelectorConfig(min=5, max=600, mode=NumberSelectorMode.BOX)
                    ),
                    probatio.Required(
                        CONF_UPLOAD_WINDOW,
                        default=options.get(
                            CONF_UPLOAD_WINDOW, int(DEFAULT_SCAN.upload_window.total_seconds() / 60)
                        ),
                    ): NumberSelector(
                        NumberSelectorConfig(min=1, max=120, mode=NumberSelectorMode.BOX)
                    ),
                }
            ),
            errors=errors,
        )
