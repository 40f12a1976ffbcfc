"""Forms and input handling of the SSH router steps of the config flow.

The steps themselves live on ``SnoopGuardConfigFlow`` (config_flow.py), which
also owns the calls that reach the router (tests patch them there).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import probatio
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .backends.linux_ssh import LogSource, defaults_for
from .const import (
    CONF_DEVICE_ALIASES,
    CONF_DNSMASQ_CONF_DIR,
    CONF_DNSMASQ_RESTART,
    CONF_LEASES_PATH,
    CONF_LOG_PATH,
    CONF_LOG_SOURCE,
    CONF_PRIVATE_KEY,
    CONF_ROUTER_ID,
    DEFAULT_PORT,
    DEFAULT_USERNAME,
)

CONNECTION_KEYS: Final = (CONF_HOST, CONF_PORT, CONF_USERNAME, CONF_PASSWORD, CONF_PRIVATE_KEY)
IDENTITY_KEYS: Final = (CONF_ROUTER_ID, CONF_DEVICE_ALIASES)
"""Kept as they are when the connection is reconfigured (reauth keeps all but credentials)."""
ROUTER_KEYS: Final = (
    CONF_LOG_SOURCE,
    CONF_LOG_PATH,
    CONF_LEASES_PATH,
    CONF_DNSMASQ_CONF_DIR,
    CONF_DNSMASQ_RESTART,
)


def connection_schema(values: Mapping[str, Any]) -> probatio.Schema:
    """Host, SSH port, user and a password or private key."""
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


def credentials_schema() -> probatio.Schema:
    """Ask for a password or a private key (reauth)."""
    return probatio.Schema(
        {
            probatio.Optional(CONF_PASSWORD): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD)
            ),
            probatio.Optional(CONF_PRIVATE_KEY): TextSelector(TextSelectorConfig(multiline=True)),
        }
    )


def router_schema(values: Mapping[str, Any]) -> probatio.Schema:
    """Where dnsmasq keeps its log, leases and configuration."""
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


def has_credentials(user_input: Mapping[str, Any]) -> bool:
    """Whether a password or a private key was given."""
    return bool(user_input.get(CONF_PASSWORD) or user_input.get(CONF_PRIVATE_KEY))


def clean_connection(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the connection keys of a form, trimmed and typed."""
    data = {k: user_input[k] for k in CONNECTION_KEYS if user_input.get(k)}
    data[CONF_HOST] = str(data[CONF_HOST]).strip()
    data[CONF_PORT] = int(data[CONF_PORT])
    if CONF_PRIVATE_KEY in data:
        data[CONF_PRIVATE_KEY] = str(data[CONF_PRIVATE_KEY]).strip() + "\n"
    return data


def with_paths(data: Mapping[str, Any], system: str) -> dict[str, Any]:
    """Fill router paths from what fits the router's system, keeping ones already set."""
    defaults = defaults_for(system)
    filled = dict(data)
    filled.setdefault(CONF_LOG_SOURCE, str(defaults.log_source))
    filled.setdefault(CONF_LOG_PATH, defaults.log_path)
    filled.setdefault(CONF_LEASES_PATH, defaults.leases_path)
    filled.setdefault(CONF_DNSMASQ_CONF_DIR, defaults.dnsmasq_conf_dir)
    filled.setdefault(CONF_DNSMASQ_RESTART, defaults.dnsmasq_restart)
    return filled
