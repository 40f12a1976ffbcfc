"""Config flow steps for the DNS filters: AdGuard Home and Pi-hole v6.

Every submit of a form makes exactly one connection attempt (AdGuard Home
locks an address out for 15 minutes after 5 failed logins; Pi-hole has a
fixed number of API seats), and the backend is always closed afterwards so
Pi-hole gets its seat back. When Home Assistant's own AdGuard Home or Pi-hole
integration is set up, its connection is offered first.

An entry has no unique id (Home Assistant's rule: no host as unique id); one
server (backend, host in any case, port: ``server_key``) has at most one entry.
Reconfiguring onto another server never sends the saved password there, and
takes Snoop Guard's rules off the old server first (best effort).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import probatio
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OperationNotAllowed,
)
from homeassistant.const import (
    CONF_API_KEY,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    BooleanSelector,
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

from .backends.base import (
    BackendAuthError,
    BackendConnectionError,
    BackendResponseError,
    RouterInfo,
)
from .backends.pihole_api import PiholeApiError, PiholeSeatsExceededError, PiholeTwoFactorError
from .connection import (
    CONF_BACKEND,
    DEFAULT_HTTP_PORTS,
    BackendType,
    build_backend,
    describe,
    server_key,
)
from .const import CONF_ROUTER_ID, LOGGER
from .identity import new_router_id

CONF_CONNECTION: Final = "connection"
MANUAL: Final = "manual"
"""The choice of the offer form that asks for another connection."""
PRODUCTS: Final = {BackendType.ADGUARD: "AdGuard Home", BackendType.PIHOLE: "Pi-hole v6"}
# Home Assistant's own integrations whose connections we offer.
HA_DOMAINS: Final = {BackendType.ADGUARD: "adguard", BackendType.PIHOLE: "pi_hole"}
_KEYS: Final = {
    BackendType.ADGUARD: (CONF_HOST, CONF_PORT, CONF_SSL, CONF_VERIFY_SSL, CONF_USERNAME),
    BackendType.PIHOLE: (CONF_HOST, CONF_PORT, CONF_SSL, CONF_VERIFY_SSL),
}


class InvalidHostError(ValueError):
    """The host field holds something other than a host name or address."""


@dataclass(frozen=True, slots=True)
class Offer:
    """The connection of one of Home Assistant's own AdGuard Home / Pi-hole entries."""

    label: str
    data: dict[str, Any]


def same_server(data: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Whether two entries' data reach the same server: backend, host (any case), port."""
    return server_key(data) == server_key(other)


def require_credentials(
    kind: BackendType,
    stored: Mapping[str, Any],
    user_input: Mapping[str, Any],
    errors: dict[str, str],
) -> None:
    """For another server: the saved password does not go along; ask for it again.

    AdGuard Home: a user name (shown filled in) needs a password and a password a user
    name; both left empty is a server without a login. Pi-hole: an app password is
    needed unless the saved entry had none (a Pi-hole without a password).
    """
    username = str(user_input.get(CONF_USERNAME) or "").strip()
    password = str(user_input.get(CONF_PASSWORD) or "")
    if kind is BackendType.ADGUARD:
        if not (username or password):
            return
        if not username:
            errors[CONF_USERNAME] = "username_required"
    elif not stored.get(CONF_PASSWORD):
        return
    if not password:
        errors[CONF_PASSWORD] = "password_required"


def placeholders(kind: BackendType, **extra: str) -> dict[str, str]:
    """Placeholders of every DNS filter form (errors name the product expected)."""
    return {"product": PRODUCTS[kind], **extra}


def filter_schema(kind: BackendType, values: Mapping[str, Any]) -> probatio.Schema:
    """Host, port, TLS, certificate check and credentials."""
    fields: dict[Any, Any] = {
        probatio.Required(CONF_HOST, default=values.get(CONF_HOST, "")): TextSelector(
            TextSelectorConfig(autocomplete="off")
        ),
        probatio.Required(
            CONF_PORT, default=values.get(CONF_PORT, DEFAULT_HTTP_PORTS[kind])
        ): NumberSelector(NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX)),
        probatio.Required(CONF_SSL, default=values.get(CONF_SSL, False)): BooleanSelector(),
        probatio.Required(
            CONF_VERIFY_SSL, default=values.get(CONF_VERIFY_SSL, True)
        ): BooleanSelector(),
    }
    if kind is BackendType.ADGUARD:
        fields[probatio.Optional(CONF_USERNAME)] = TextSelector(
            TextSelectorConfig(autocomplete="username")
        )
    fields[probatio.Optional(CONF_PASSWORD)] = TextSelector(
        TextSelectorConfig(type=TextSelectorType.PASSWORD)
    )
    return probatio.Schema(fields)


def credentials_schema(kind: BackendType, username: str | None) -> probatio.Schema:
    """Ask for the credentials alone (reauth): AdGuard Home's user name and a password."""
    fields: dict[Any, Any] = {}
    if kind is BackendType.ADGUARD:
        fields[probatio.Optional(CONF_USERNAME, default=username or "")] = TextSelector(
            TextSelectorConfig(autocomplete="username")
        )
    fields[probatio.Required(CONF_PASSWORD)] = TextSelector(
        TextSelectorConfig(type=TextSelectorType.PASSWORD)
    )
    return probatio.Schema(fields)


def offer_schema(offers: Mapping[str, Offer]) -> probatio.Schema:
    """Offer a choice among Home Assistant's connections, or another one."""
    options = [SelectOptionDict(value=key, label=offer.label) for key, offer in offers.items()]
    options.append(SelectOptionDict(value=MANUAL, label=MANUAL))
    return probatio.Schema(
        {
            probatio.Required(CONF_CONNECTION, default=next(iter(offers))): SelectSelector(
                SelectSelectorConfig(
                    options=options,
                    mode=SelectSelectorMode.LIST,
                    translation_key="dns_filter_connection",
                )
            )
        }
    )


def _host(value: object) -> str:
    host = str(value).strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]  # An IPv6 address written as in a URL.
    if (
        not host
        or any(c.isspace() or c in "/?#@[]" for c in host)
        or host.count(":") == 1  # name:port (an IPv6 address has at least two colons)
    ):
        raise InvalidHostError(host)
    return host


def _shown(values: Mapping[str, Any]) -> dict[str, Any]:
    """Form values to show again: never a password."""
    return {k: v for k, v in values.items() if k != CONF_PASSWORD}


def clean_input(
    kind: BackendType, user_input: Mapping[str, Any], stored: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Entry data from a form; an empty password keeps the ``stored`` one.

    Raises InvalidHostError for a URL or anything else that is no host.
    """
    data: dict[str, Any] = {
        CONF_BACKEND: kind.value,
        CONF_HOST: _host(user_input[CONF_HOST]),
        CONF_PORT: int(user_input[CONF_PORT]),
        CONF_SSL: bool(user_input.get(CONF_SSL, False)),
        CONF_VERIFY_SSL: bool(user_input.get(CONF_VERIFY_SSL, True)),
    }
    password = str(user_input.get(CONF_PASSWORD) or "") or str(
        (stored or {}).get(CONF_PASSWORD) or ""
    )
    if kind is BackendType.PIHOLE:
        data[CONF_PASSWORD] = password
        return data
    username = str(user_input.get(CONF_USERNAME) or "").strip()
    if username:
        data[CONF_USERNAME] = username
        if password:
            data[CONF_PASSWORD] = password
    return data


def _without_credentials(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in (CONF_USERNAME, CONF_PASSWORD)}


def _pi_hole_address(value: object) -> tuple[str, int]:
    """Split the ``host:port`` Home Assistant's Pi-hole integration stores."""
    host, sep, port = str(value).rpartition(":")
    if sep and port.isdigit():
        return host.strip("[]"), int(port)
    return str(value), DEFAULT_HTTP_PORTS[BackendType.PIHOLE]


def offer_from(kind: BackendType, entry: ConfigEntry) -> dict[str, Any] | None:
    """Our entry data from one of Home Assistant's AdGuard Home / Pi-hole entries."""
    data = entry.data
    if not data.get(CONF_HOST):
        return None
    if kind is BackendType.ADGUARD:
        values = {
            CONF_HOST: data[CONF_HOST],
            CONF_PORT: data.get(CONF_PORT, DEFAULT_HTTP_PORTS[kind]),
            CONF_SSL: data.get(CONF_SSL, False),
            CONF_VERIFY_SSL: data.get(CONF_VERIFY_SSL, True),
            CONF_USERNAME: data.get(CONF_USERNAME),
            CONF_PASSWORD: data.get(CONF_PASSWORD),
        }
    else:
        host, port = _pi_hole_address(data[CONF_HOST])
        values = {
            CONF_HOST: host,
            CONF_PORT: port,
            CONF_SSL: data.get(CONF_SSL, False),
            CONF_VERIFY_SSL: data.get(CONF_VERIFY_SSL, True),
            CONF_PASSWORD: data.get(CONF_API_KEY),
        }
    try:
        return clean_input(kind, values)
    except InvalidHostError:
        return None


async def async_try_connect(
    hass: HomeAssistant, data: Mapping[str, Any], errors: dict[str, str]
) -> RouterInfo | None:
    """Connect once with ``data``; fill ``errors`` on failure. Always closes the backend."""
    backend = build_backend(hass, data)
    try:
        return await backend.async_connect()
    except PiholeTwoFactorError:
        errors["base"] = "two_factor"
    except PiholeSeatsExceededError:
        errors["base"] = "too_many_sessions"
    except BackendAuthError:
        errors["base"] = "invalid_auth"
    except BackendConnectionError:
        errors["base"] = "cannot_connect"
    except PiholeApiError:
        # Pi-hole itself answered with an error object: the right server, an odd answer.
        LOGGER.exception("Unexpected answer from Pi-hole")
        errors["base"] = "unknown"
    except BackendResponseError as err:  # WrongServerError included
        LOGGER.debug("Not %s: %s", PRODUCTS[BackendType(data[CONF_BACKEND])], err)
        errors["base"] = "wrong_server"
    except Exception:
        LOGGER.exception("Unexpected error testing the connection")
        errors["base"] = "unknown"
    finally:
        await backend.async_close()
    return None


async def async_remove_from_old_server(hass: HomeAssistant, data: Mapping[str, Any]) -> str | None:
    """Best effort: take our rules off the server ``data`` reaches (its own credentials).

    Returns None when done, else what is left there to remove by hand (logged too).
    Always closes the backend.
    """
    backend = build_backend(hass, data)
    try:
        await backend.async_connect()
        await backend.async_remove_all()
    except Exception as err:  # Best effort: the move goes on either way.
        LOGGER.warning(
            "Could not remove Snoop Guard's rules from %s (the server this entry used"
            " before): %s; remove %s by hand",
            describe(data),
            err,
            backend.manual_removal,
        )
        return backend.manual_removal
    finally:
        await backend.async_close()
    return None


def entry_title(kind: BackendType, data: Mapping[str, Any], info: RouterInfo) -> str:
    """AdGuard Home (host) / Pi-hole (its host name)."""
    if kind is BackendType.ADGUARD:
        return f"AdGuard Home ({data[CONF_HOST]})"
    return f"Pi-hole ({info.hostname or data[CONF_HOST]})"


class DnsFilterFlow(ConfigFlow):
    """The AdGuard Home and Pi-hole steps (a base of ``SnoopGuardConfigFlow``)."""

    def __init__(self) -> None:
        """Nothing offered yet."""
        super().__init__()
        self._offers_declined: set[BackendType] = set()

    # Setup -------------------------------------------------------------------

    async def async_step_adguard(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask how to reach AdGuard Home (after offering Home Assistant's connection)."""
        return await self._async_filter_step(BackendType.ADGUARD, user_input)

    async def async_step_pihole(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask how to reach Pi-hole v6 (after offering Home Assistant's connection)."""
        return await self._async_filter_step(BackendType.PIHOLE, user_input)

    async def async_step_adguard_existing(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer the connection of Home Assistant's AdGuard Home integration."""
        return await self._async_offer_step(BackendType.ADGUARD, user_input)

    async def async_step_pihole_existing(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer the connection of Home Assistant's Pi-hole integration."""
        return await self._async_offer_step(BackendType.PIHOLE, user_input)

    def _server_in_use(self, data: Mapping[str, Any], *, besides: str | None = None) -> bool:
        """Whether an entry of ours (other than ``besides``) reaches the server ``data`` names.

        Matched on the data, so entries made when the server was the unique id match too.
        """
        return any(
            entry.entry_id != besides and same_server(data, entry.data)
            for entry in self._async_current_entries(include_ignore=False)
        )

    def _offers(self, kind: BackendType) -> dict[str, Offer]:
        """Home Assistant's connections to this product that Snoop Guard does not use yet."""
        offers: dict[str, Offer] = {}
        for entry in self.hass.config_entries.async_entries(HA_DOMAINS[kind], include_ignore=False):
            data = offer_from(kind, entry)
            if data is not None and not self._server_in_use(data):
                where = f"{data[CONF_HOST]}:{data[CONF_PORT]}"
                offers[entry.entry_id] = Offer(f"{entry.title} ({where})", data)
        return offers

    async def _async_filter_step(
        self, kind: BackendType, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        step_id = kind.value
        if user_input is None and kind not in self._offers_declined and self._offers(kind):
            return await self._async_offer_step(kind, None)
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                data = clean_input(kind, user_input)
            except InvalidHostError:
                errors[CONF_HOST] = "invalid_host"
            else:
                if (result := await self._async_create(kind, data, errors)) is not None:
                    return result
        shown = _shown(user_input or {})
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(filter_schema(kind, shown), shown),
            errors=errors,
            description_placeholders=placeholders(kind),
        )

    async def _async_offer_step(
        self, kind: BackendType, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        offers = self._offers(kind)
        choice = None if user_input is None else user_input.get(CONF_CONNECTION)
        if not offers or choice == MANUAL:
            self._offers_declined.add(kind)
            return await self._async_filter_step(kind, None)
        errors: dict[str, str] = {}
        if user_input is not None:
            if choice not in offers:
                errors[CONF_CONNECTION] = "offer_gone"
            elif (
                result := await self._async_create(kind, offers[choice].data, errors)
            ) is not None:
                return result
        return self.async_show_form(
            step_id=f"{kind.value}_existing",
            data_schema=offer_schema(offers),
            errors=errors,
            description_placeholders=placeholders(kind),
        )

    async def _async_create(
        self, kind: BackendType, data: dict[str, Any], errors: dict[str, str]
    ) -> ConfigFlowResult | None:
        """Abort for a known server, else test once and create the entry (no unique id)."""
        if self._server_in_use(data):
            return self.async_abort(reason="already_configured")
        info = await async_try_connect(self.hass, data, errors)
        if info is None:
            return None
        return self.async_create_entry(
            title=entry_title(kind, data, info),
            data=data | {CONF_ROUTER_ID: new_router_id()},
        )

    # Reauth ------------------------------------------------------------------

    async def async_step_reauth_adguard(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for AdGuard Home's credentials again (one attempt per submit)."""
        return await self._async_reauth_step(BackendType.ADGUARD, user_input)

    async def async_step_reauth_pihole(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a Pi-hole app password again (one attempt per submit)."""
        return await self._async_reauth_step(BackendType.PIHOLE, user_input)

    async def _async_reauth_step(
        self, kind: BackendType, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            values = {k: entry.data.get(k) for k in _KEYS[kind]} | user_input
            data = _without_credentials(entry.data) | clean_input(kind, values)
            if await async_try_connect(self.hass, data, errors) is not None:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id=f"reauth_{kind.value}",
            data_schema=credentials_schema(kind, entry.data.get(CONF_USERNAME)),
            errors=errors,
            description_placeholders=placeholders(
                kind, host=str(entry.data[CONF_HOST]), title=entry.title
            ),
        )

    # Reconfigure -------------------------------------------------------------

    async def async_step_reconfigure_adguard(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change how AdGuard Home is reached."""
        return await self._async_reconfigure_step(BackendType.ADGUARD, user_input)

    async def async_step_reconfigure_pihole(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change how Pi-hole is reached."""
        return await self._async_reconfigure_step(BackendType.PIHOLE, user_input)

    async def _async_reconfigure_step(
        self, kind: BackendType, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                fresh = clean_input(kind, user_input)
            except InvalidHostError:
                errors[CONF_HOST] = "invalid_host"
            else:
                if self._server_in_use(fresh, besides=entry.entry_id):
                    return self.async_abort(reason="already_configured")
                moved = not same_server(fresh, entry.data)
                if moved:
                    # Never send the saved password to another host.
                    require_credentials(kind, entry.data, user_input, errors)
                else:
                    # Same server: an empty password keeps the saved one.
                    fresh = clean_input(kind, user_input, entry.data)
                # Everything else (router id, device aliases) stays as it is.
                data = _without_credentials(entry.data) | fresh
                if not errors and await async_try_connect(self.hass, data, errors) is not None:
                    if moved:
                        return await self._async_move(entry, data)
                    # A unique id left from older versions (the server) goes.
                    return self.async_update_reload_and_abort(entry, unique_id=None, data=data)
        current = {k: entry.data[k] for k in _KEYS[kind] if k in entry.data}
        return self.async_show_form(
            step_id=f"reconfigure_{kind.value}",
            data_schema=self.add_suggested_values_to_schema(
                filter_schema(kind, current), _shown(user_input or current)
            ),
            errors=errors,
            description_placeholders=placeholders(kind, host=str(entry.data[CONF_HOST])),
        )

    async def _async_move(self, entry: ConfigEntry, data: dict[str, Any]) -> ConfigFlowResult:
        """Save ``data`` (another server) after taking our rules off the old one.

        The entry is unloaded first, in any state but not loaded: its coordinator
        would put the rules back, and an entry waiting to retry its setup would
        start one (unloading cancels that retry). If it cannot be unloaded (a setup
        or unload under way) nothing is changed. When the old server cannot be
        cleaned, the abort says what is left there.
        """
        old = dict(entry.data)
        if entry.state is not ConfigEntryState.NOT_LOADED:
            try:
                unloaded = await self.hass.config_entries.async_unload(entry.entry_id)
            except OperationNotAllowed:
                unloaded = False
            if not unloaded:
                return self.async_abort(reason="reconfigure_unload_failed")
        left = await async_remove_from_old_server(self.hass, old)
        if left is None:
            return self.async_update_reload_and_abort(entry, unique_id=None, data=data)
        result = self.async_update_reload_and_abort(
            entry, unique_id=None, data=data, reason="reconfigure_old_rules_left"
        )
        # async_update_reload_and_abort takes no placeholders; the abort carries them.
        result["description_placeholders"] = {
            "old_host": f"{old.get(CONF_HOST)}:{old.get(CONF_PORT)}",
            "manual_removal": left,
        }
        return result
