"""Helpers shared by the AdGuard Home and Pi-hole config flow tests.

Import ``fixture_no_setup`` into a test module: an autouse fixture that keeps the
created entry from being set up (that is not the flow's business).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_SSL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.backends.base import DevicePolicy, TrackerSet
from custom_components.snoop_guard.connection import build_backend
from custom_components.snoop_guard.const import CONF_ROUTER_ID, DOMAIN
from custom_components.snoop_guard.flow_dnsfilter import CONF_CONNECTION, MANUAL

from .emulated import AdGuardServer, PiholeServer, WrongServer


@pytest.fixture(name="no_setup", autouse=True)
def fixture_no_setup() -> Generator[None]:
    """Setting up the created entry is not the flow's business here."""
    with patch("custom_components.snoop_guard.async_setup_entry", return_value=True):
        yield


def server_input(
    server: AdGuardServer | PiholeServer | WrongServer,
    credentials: dict[str, Any],
    changes: dict[str, Any],
) -> dict[str, Any]:
    """What the user enters in the form for ``server``, with ``changes``."""
    values: dict[str, Any] = {
        CONF_HOST: server.host,
        CONF_PORT: server.port,
        CONF_SSL: False,
        CONF_VERIFY_SSL: True,
        **credentials,
    }
    return values | changes


async def open_flow(hass: HomeAssistant, step: str) -> ConfigFlowResult:
    """Start the user flow and pick ``step`` in its menu."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": step})


async def submit(
    hass: HomeAssistant, flow: ConfigFlowResult | str, user_input: dict[str, Any]
) -> ConfigFlowResult:
    """Submit ``user_input`` to the step ``flow`` (a result, or its flow id) shows."""
    flow_id = flow if isinstance(flow, str) else flow["flow_id"]
    return await hass.config_entries.flow.async_configure(flow_id, user_input)


def add_entry(
    hass: HomeAssistant, title: str, data: dict[str, Any], **kwargs: Any
) -> MockConfigEntry:
    """An entry as the flow makes it (no unique id; ``unique_id=`` for an older one)."""
    entry = MockConfigEntry(domain=DOMAIN, title=title, data=data, **kwargs)
    entry.add_to_hass(hass)
    return entry


def assert_abort(result: ConfigFlowResult, reason: str) -> None:
    """The flow ended with ``reason``."""
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


async def install_rules(hass: HomeAssistant, entry_data: dict[str, Any], ip: str) -> None:
    """Block the device at ``ip`` through the backend, as a running entry would."""
    backend = build_backend(hass, entry_data)
    try:
        await backend.async_connect()
        await backend.async_apply(
            [DevicePolicy("aa:bb:cc:00:00:01", (ip,), block_trackers=True, block_internet=True)],
            TrackerSet(("tracker.example",), "", ""),
        )
    finally:
        await backend.async_close()


def offered(result: ConfigFlowResult) -> list[dict[str, str]]:
    """The connections the offer form lists."""
    schema = result["data_schema"]
    assert schema is not None
    options: list[dict[str, str]] = schema.schema[CONF_CONNECTION].config["options"]
    return options


def suggested(result: ConfigFlowResult) -> dict[str, Any]:
    """The values a form shows filled in."""
    schema = result["data_schema"]
    assert schema is not None
    return {
        str(key): key.description["suggested_value"]
        for key in schema.schema
        if key.description and "suggested_value" in key.description
    }


async def reconfigure_away_from_unreachable(
    hass: HomeAssistant, entry: MockConfigEntry, user_input: dict[str, Any]
) -> str:
    """Reconfigure ``entry`` (its server unreachable) to ``user_input``; the manual removal.

    The entry is moved all the same, and the abort says which server kept its rules.
    """
    data = dict(entry.data)
    result = await reconfigure(hass, entry, user_input)
    assert_abort(result, "reconfigure_old_rules_left")
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert placeholders["old_host"] == f"127.0.0.1:{data[CONF_PORT]}"
    assert entry.data == data | {CONF_PORT: user_input[CONF_PORT]}
    return placeholders["manual_removal"]


async def enter_manually(
    hass: HomeAssistant, result: ConfigFlowResult, step: str, user_input: dict[str, Any]
) -> ConfigFlowResult:
    """Turn an offer down for the form ``step``; ``user_input`` there creates the entry."""
    result = await submit(hass, result, {CONF_CONNECTION: MANUAL})
    assert result["step_id"] == step
    result = await submit(hass, result, user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    return result


def legacy_unique_id(backend: str, port: int) -> str:
    """The unique id older versions gave an entry: its server."""
    return f"{backend}:127.0.0.1:{port}"


async def assert_added_again_aborts(
    hass: HomeAssistant,
    step: str,
    entry_data: dict[str, Any],
    *,
    legacy: bool,
    again: dict[str, Any],
) -> None:
    """With an entry for ``entry_data``, the form ``step`` with ``again`` aborts.

    ``legacy``: the entry is of an older version (its server as unique id).
    """
    old_id = legacy_unique_id(entry_data["backend"], entry_data[CONF_PORT]) if legacy else None
    add_entry(hass, "Existing", entry_data, unique_id=old_id)
    result = await open_flow(hass, step)
    result = await submit(hass, result, again)
    assert_abort(result, "already_configured")


def add_loaded_entry(hass: HomeAssistant, title: str, data: dict[str, Any]) -> MockConfigEntry:
    """An entry as the flow makes it, marked as set up (reconfiguring it unloads it)."""
    entry = add_entry(hass, title, data)
    entry.mock_state(hass, ConfigEntryState.LOADED)
    return entry


async def assert_password_required(
    hass: HomeAssistant, flow_id: str, user_input: dict[str, Any]
) -> ConfigFlowResult:
    """``user_input`` (for another server, no password) is refused: the saved one stays home."""
    result = await submit(hass, flow_id, user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PASSWORD: "password_required"}
    return result


async def move_unloading_first(
    hass: HomeAssistant, flow_id: str, user_input: dict[str, Any], rules_left: Callable[[], bool]
) -> None:
    """Submit the new server; the entry is unloaded while the old one still has its rules.

    Unloaded before the old server is cleaned: its coordinator would re-apply them.
    """
    unloaded_with_rules: list[bool] = []

    async def unload(*_: Any) -> bool:
        unloaded_with_rules.append(rules_left())
        return True

    with patch("custom_components.snoop_guard.async_unload_entry", side_effect=unload):
        result = await submit(hass, flow_id, user_input)
    assert_abort(result, "reconfigure_successful")
    assert unloaded_with_rules == [True]


async def reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, user_input: dict[str, Any]
) -> ConfigFlowResult:
    """Start reconfiguring ``entry`` and submit ``user_input``."""
    result = await entry.start_reconfigure_flow(hass)
    return await submit(hass, result, user_input)


async def start_reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Start reconfiguring ``entry``; the flow id."""
    result = await entry.start_reconfigure_flow(hass)
    flow_id: str = result["flow_id"]
    return flow_id


async def assert_reconfigure_onto_taken_aborts(
    hass: HomeAssistant, entry: MockConfigEntry, user_input: dict[str, Any]
) -> None:
    """``user_input`` names another entry's server: the flow aborts, ``entry`` unchanged."""
    port = entry.data[CONF_PORT]
    assert_abort(await reconfigure(hass, entry, user_input), "already_configured")
    assert entry.data[CONF_PORT] == port


def assert_form(result: ConfigFlowResult, step: str) -> None:
    """The flow shows the form of ``step``."""
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step


def created_data(result: ConfigFlowResult, title: str) -> dict[str, Any]:
    """The data of the entry the flow created (``title``, no unique id), its router id aside."""
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == title
    assert result["result"].unique_id is None  # No host as unique id.
    data = dict(result["data"])
    assert len(data.pop(CONF_ROUTER_ID)) >= 8
    return data
