"""The Pi-hole v6 config flow through Home Assistant's flow manager, against the emulator.

The ``pihole_server`` fixture fails any test that leaves an API session (a seat) open:
every connection test of the flow must log out again.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import (
    CONF_API_KEY,
    CONF_HOST,
    CONF_LOCATION,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.connection import CONF_BACKEND
from custom_components.snoop_guard.const import CONF_DEVICE_ALIASES, CONF_ROUTER_ID, DOMAIN
from custom_components.snoop_guard.flow_dnsfilter import CONF_CONNECTION, MANUAL

from .emulated import (
    PIHOLE_APP_PASSWORD,
    PIHOLE_PASSWORD,
    PiholeServer,
    WrongServer,
    unused_port,
)


@pytest.fixture(autouse=True)
def no_setup() -> Generator[None]:
    """Setting up the created entry is not the flow's business here."""
    with patch("custom_components.snoop_guard.async_setup_entry", return_value=True):
        yield


def _input(server: PiholeServer | WrongServer, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        CONF_HOST: server.host,
        CONF_PORT: server.port,
        CONF_SSL: False,
        CONF_VERIFY_SSL: True,
        CONF_PASSWORD: PIHOLE_APP_PASSWORD,
    }
    return values | changes


async def _open(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "pihole"}
    )


def _entry(hass: HomeAssistant, data: dict[str, Any]) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Pi-hole (pihole)",
        data=data,
        unique_id=f"pihole:{data[CONF_HOST]}:{data[CONF_PORT]}",
    )
    entry.add_to_hass(hass)
    return entry


def _logins(server: PiholeServer) -> list[str]:
    return [
        path
        for method, path, _ in server.emulator.requests
        if (method, path) == ("POST", "/api/auth")
    ]


async def test_create_with_an_app_password(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    result = await _open(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pihole"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(pihole_server)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Pi-hole (pihole)"
    data = dict(result["data"])
    assert len(data.pop(CONF_ROUTER_ID)) >= 8
    assert data == {
        CONF_BACKEND: "pihole",
        CONF_HOST: "127.0.0.1",
        CONF_PORT: pihole_server.port,
        CONF_SSL: False,
        CONF_VERIFY_SSL: True,
        CONF_PASSWORD: PIHOLE_APP_PASSWORD,
    }
    assert result["result"].unique_id == f"pihole:127.0.0.1:{pihole_server.port}"
    assert len(_logins(pihole_server)) == 1
    # The seat was given back (also checked by the fixture).
    assert pihole_server.emulator.sessions == {}


async def test_each_error_then_recovers(
    hass: HomeAssistant, pihole_server: PiholeServer, wrong_server: WrongServer
) -> None:
    result = await _open(hass)
    flow_id = result["flow_id"]

    result = await hass.config_entries.flow.async_configure(
        flow_id, _input(pihole_server, **{CONF_PORT: unused_port()})
    )
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(flow_id, _input(wrong_server))
    assert result["errors"] == {"base": "wrong_server"}
    assert result["description_placeholders"] == {"product": "Pi-hole v6"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, _input(pihole_server, **{CONF_PASSWORD: "wrong"})
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert len(_logins(pihole_server)) == 1

    result = await hass.config_entries.flow.async_configure(flow_id, _input(pihole_server))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert len(_logins(pihole_server)) == 2


async def test_two_factor_account_needs_an_app_password(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    pihole_server.emulator.totp = True
    result = await _open(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(pihole_server, **{CONF_PASSWORD: PIHOLE_PASSWORD})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "two_factor"}
    assert len(_logins(pihole_server)) == 1
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(pihole_server)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PASSWORD] == PIHOLE_APP_PASSWORD


async def test_no_free_api_seat(hass: HomeAssistant, pihole_server: PiholeServer) -> None:
    pihole_server.emulator.max_sessions = 0
    result = await _open(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(pihole_server)
    )
    assert result["errors"] == {"base": "too_many_sessions"}
    assert len(_logins(pihole_server)) == 1
    pihole_server.emulator.max_sessions = 16
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(pihole_server)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_offers_the_connection_of_home_assistants_pi_hole(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    theirs = MockConfigEntry(
        domain="pi_hole",
        title="Pi-Hole",
        data={
            CONF_HOST: f"127.0.0.1:{pihole_server.port}",
            CONF_LOCATION: "admin",
            CONF_SSL: False,
            CONF_VERIFY_SSL: True,
            CONF_API_KEY: PIHOLE_APP_PASSWORD,
        },
    )
    theirs.add_to_hass(hass)
    result = await _open(hass)
    assert result["step_id"] == "pihole_existing"
    options = result["data_schema"].schema[CONF_CONNECTION].config["options"]
    assert options[0] == {
        "value": theirs.entry_id,
        "label": f"Pi-Hole (127.0.0.1:{pihole_server.port})",
    }
    assert options[1]["value"] == MANUAL
    assert _logins(pihole_server) == []
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CONNECTION: theirs.entry_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "127.0.0.1"
    assert result["data"][CONF_PORT] == pihole_server.port
    assert result["data"][CONF_PASSWORD] == PIHOLE_APP_PASSWORD


async def test_manual_instead_of_the_offer(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    MockConfigEntry(
        domain="pi_hole",
        data={CONF_HOST: "192.0.2.9:80", CONF_SSL: False, CONF_VERIFY_SSL: True},
    ).add_to_hass(hass)
    result = await _open(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CONNECTION: MANUAL}
    )
    assert result["step_id"] == "pihole"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(pihole_server)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_pihole_twice_aborts(hass: HomeAssistant, pihole_server: PiholeServer) -> None:
    _entry(hass, pihole_server.entry_data())
    result = await _open(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(pihole_server)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert _logins(pihole_server) == []


async def test_reauth_failure_then_success(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    data = pihole_server.entry_data() | {
        CONF_PASSWORD: "revoked",
        CONF_DEVICE_ALIASES: {"aa:bb": "TV"},
    }
    entry = _entry(hass, data)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_pihole"
    assert _logins(pihole_server) == []
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "nope"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert len(_logins(pihole_server)) == 1
    pihole_server.emulator.totp = True
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PIHOLE_PASSWORD}
    )
    assert result["errors"] == {"base": "two_factor"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PIHOLE_APP_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data == data | {CONF_PASSWORD: PIHOLE_APP_PASSWORD}
    assert len(_logins(pihole_server)) == 3


async def test_reconfigure_keeps_identity_and_moves_the_unique_id(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    old_port = unused_port()
    data = pihole_server.entry_data(router_id="rid-9") | {
        CONF_PORT: old_port,
        CONF_DEVICE_ALIASES: {"aa:bb": "TV"},
    }
    entry = _entry(hass, data)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_pihole"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(pihole_server, **{CONF_PASSWORD: "wrong"})
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert entry.data[CONF_PORT] == old_port
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(pihole_server, **{CONF_PASSWORD: ""})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == data | {CONF_PORT: pihole_server.port}
    assert entry.unique_id == f"pihole:127.0.0.1:{pihole_server.port}"


async def test_reconfigure_onto_another_entrys_pihole_aborts(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    _entry(hass, pihole_server.entry_data(router_id="rid-1"))
    entry = _entry(hass, pihole_server.entry_data(router_id="rid-2") | {CONF_PORT: 1})
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(pihole_server)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == 1
    assert _logins(pihole_server) == []
