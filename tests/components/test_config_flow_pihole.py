"""The Pi-hole v6 config flow through Home Assistant's flow manager, against the emulator.

The ``pihole_server`` fixture fails any test that leaves an API session (a seat) open:
every connection test of the flow must log out again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult
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
from homeassistant.exceptions import ConfigEntryNotReady
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    mock_integration,
)

from custom_components.snoop_guard import flow_dnsfilter
from custom_components.snoop_guard.backends.pihole_plan import OUR_COMMENT
from custom_components.snoop_guard.connection import CONF_BACKEND
from custom_components.snoop_guard.const import CONF_DEVICE_ALIASES
from custom_components.snoop_guard.flow_dnsfilter import CONF_CONNECTION, MANUAL

from . import flow_helpers as flow
from .emulated import (
    PIHOLE_APP_PASSWORD,
    PIHOLE_PASSWORD,
    PiholeServer,
    WrongServer,
    serve_pihole,
    unused_port,
)
from .flow_helpers import fixture_no_setup  # noqa: F401


def _input(server: PiholeServer | WrongServer, **changes: Any) -> dict[str, Any]:
    return flow.server_input(server, {CONF_PASSWORD: PIHOLE_APP_PASSWORD}, changes)


async def _open(hass: HomeAssistant) -> ConfigFlowResult:
    return await flow.open_flow(hass, "pihole")


def _entry(hass: HomeAssistant, data: dict[str, Any], **kwargs: Any) -> MockConfigEntry:
    return flow.add_entry(hass, "Pi-hole (pihole)", data, **kwargs)


def _ours(server: PiholeServer) -> list[Any]:
    """Snoop Guard's groups, domains and clients on ``server``."""
    state = server.emulator.state()
    return [
        row
        for table in ("groups", "domains", "clients")
        for row in state[table]
        if row.get("comment") == OUR_COMMENT
    ]


async def _install_rules(hass: HomeAssistant, server: PiholeServer) -> None:
    """Block a device on ``server`` through the backend, as a running entry would."""
    await flow.install_rules(hass, server.entry_data(), "192.168.1.50")
    assert _ours(server)


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
    flow.assert_form(result, "pihole")
    result = await flow.submit(hass, result, _input(pihole_server))
    assert flow.created_data(result, "Pi-hole (pihole)") == {
        CONF_BACKEND: "pihole",
        CONF_HOST: "127.0.0.1",
        CONF_PORT: pihole_server.port,
        CONF_SSL: False,
        CONF_VERIFY_SSL: True,
        CONF_PASSWORD: PIHOLE_APP_PASSWORD,
    }
    assert len(_logins(pihole_server)) == 1
    # The seat was given back (also checked by the fixture).
    assert pihole_server.emulator.sessions == {}


async def test_each_error_then_recovers(
    hass: HomeAssistant, pihole_server: PiholeServer, wrong_server: WrongServer
) -> None:
    result = await _open(hass)
    flow_id = result["flow_id"]

    result = await flow.submit(hass, flow_id, _input(pihole_server, **{CONF_PORT: unused_port()}))
    assert result["errors"] == {"base": "cannot_connect"}

    result = await flow.submit(hass, flow_id, _input(wrong_server))
    assert result["errors"] == {"base": "wrong_server"}
    assert result["description_placeholders"] == {"product": "Pi-hole v6"}

    result = await flow.submit(hass, flow_id, _input(pihole_server, **{CONF_PASSWORD: "wrong"}))
    assert result["errors"] == {"base": "invalid_auth"}
    assert len(_logins(pihole_server)) == 1

    result = await flow.submit(hass, flow_id, _input(pihole_server))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert len(_logins(pihole_server)) == 2


async def test_two_factor_account_needs_an_app_password(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    pihole_server.emulator.totp = True
    result = await _open(hass)
    result = await flow.submit(
        hass, result, _input(pihole_server, **{CONF_PASSWORD: PIHOLE_PASSWORD})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "two_factor"}
    assert len(_logins(pihole_server)) == 1
    result = await flow.submit(hass, result, _input(pihole_server))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PASSWORD] == PIHOLE_APP_PASSWORD


async def test_no_free_api_seat(hass: HomeAssistant, pihole_server: PiholeServer) -> None:
    pihole_server.emulator.max_sessions = 0
    result = await _open(hass)
    result = await flow.submit(hass, result, _input(pihole_server))
    assert result["errors"] == {"base": "too_many_sessions"}
    assert len(_logins(pihole_server)) == 1
    pihole_server.emulator.max_sessions = 16
    result = await flow.submit(hass, result, _input(pihole_server))
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
    options = flow.offered(result)
    assert options[0] == {
        "value": theirs.entry_id,
        "label": f"Pi-Hole (127.0.0.1:{pihole_server.port})",
    }
    assert options[1]["value"] == MANUAL
    assert _logins(pihole_server) == []
    result = await flow.submit(hass, result, {CONF_CONNECTION: theirs.entry_id})
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
    await flow.enter_manually(hass, result, "pihole", _input(pihole_server))


@pytest.mark.parametrize("legacy", [False, True])
async def test_same_pihole_twice_aborts(
    hass: HomeAssistant, pihole_server: PiholeServer, legacy: bool
) -> None:
    # An entry of an older version (the server as unique id) matches the same way.
    await flow.assert_added_again_aborts(
        hass, "pihole", pihole_server.entry_data(), legacy=legacy, again=_input(pihole_server)
    )
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
    result = await flow.submit(hass, result, {CONF_PASSWORD: "nope"})
    assert result["errors"] == {"base": "invalid_auth"}
    assert len(_logins(pihole_server)) == 1
    pihole_server.emulator.totp = True
    result = await flow.submit(hass, result, {CONF_PASSWORD: PIHOLE_PASSWORD})
    assert result["errors"] == {"base": "two_factor"}
    result = await flow.submit(hass, result, {CONF_PASSWORD: PIHOLE_APP_PASSWORD})
    flow.assert_abort(result, "reauth_successful")
    assert entry.data == data | {CONF_PASSWORD: PIHOLE_APP_PASSWORD}
    assert len(_logins(pihole_server)) == 3


async def test_offer_skips_a_pihole_snoop_guard_already_uses(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    _entry(hass, pihole_server.entry_data() | {CONF_HOST: "LocalHost"})
    MockConfigEntry(
        domain="pi_hole",
        data={CONF_HOST: f"localhost:{pihole_server.port}", CONF_SSL: False},
    ).add_to_hass(hass)
    result = await _open(hass)
    assert result["step_id"] == "pihole"


async def test_reconfigure_same_server_keeps_the_saved_password(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    data = pihole_server.entry_data(router_id="rid-9") | {
        CONF_VERIFY_SSL: False,
        CONF_DEVICE_ALIASES: {"aa:bb": "TV"},
    }
    entry = _entry(hass, data, unique_id=flow.legacy_unique_id("pihole", pihole_server.port))
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_pihole"
    result = await flow.submit(hass, result, _input(pihole_server, **{CONF_PASSWORD: "wrong"}))
    assert result["errors"] == {"base": "invalid_auth"}
    assert entry.data == data
    result = await flow.submit(hass, result, _input(pihole_server, **{CONF_PASSWORD: ""}))
    flow.assert_abort(result, "reconfigure_successful")
    assert entry.data == data | {CONF_VERIFY_SSL: True}
    assert entry.unique_id is None  # The older host-based unique id is gone.
    assert len(_logins(pihole_server)) == 2


async def test_reconfigure_to_another_pihole_asks_for_the_password_and_cleans_the_old(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    old = pihole_server
    await _install_rules(hass, old)
    data = old.entry_data(router_id="rid-9") | {CONF_DEVICE_ALIASES: {"aa:bb": "TV"}}
    entry = flow.add_loaded_entry(hass, "Pi-hole (pihole)", data)
    async with serve_pihole() as new:
        flow_id = await flow.start_reconfigure(hass, entry)
        old_logins = len(_logins(old))
        # The saved app password never goes to another server: asked for again.
        result = await flow.assert_password_required(
            hass, flow_id, _input(new, **{CONF_PASSWORD: ""})
        )
        assert _logins(new) == []
        result = await flow.submit(hass, flow_id, _input(new, **{CONF_PASSWORD: "wrong"}))
        assert result["errors"] == {"base": "invalid_auth"}
        assert len(_logins(old)) == old_logins  # The old one untouched.
        assert _ours(old)

        await flow.move_unloading_first(hass, flow_id, _input(new), lambda: bool(_ours(old)))
        assert _ours(old) == []
        assert len(_logins(old)) == old_logins + 1  # With its own, old password.
        assert entry.data == data | {CONF_PORT: new.port}
        assert entry.unique_id is None
        await hass.async_block_till_done()


async def test_moving_an_entry_waiting_to_retry_its_setup_unloads_it_first(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    """An entry in SETUP_RETRY is unloaded (its retry cancelled) before the old one is cleaned."""
    old = pihole_server
    await _install_rules(hass, old)
    entry = _entry(hass, old.entry_data())
    not_ready = ConfigEntryNotReady("Pi-hole unreachable")
    with patch("custom_components.snoop_guard.async_setup_entry", side_effect=not_ready):
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    states: list[tuple[ConfigEntryState, bool]] = []
    remove = flow_dnsfilter.async_remove_from_old_server

    async def spy(hass: HomeAssistant, data: Mapping[str, Any]) -> str | None:
        # A pending retry would set the entry up again and re-apply the rules.
        states.append((entry.state, entry._async_cancel_retry_setup is None))
        return await remove(hass, data)

    async with serve_pihole() as new:
        with patch.object(flow_dnsfilter, "async_remove_from_old_server", side_effect=spy):
            result = await flow.reconfigure(hass, entry, _input(new))
        flow.assert_abort(result, "reconfigure_successful")
        assert states == [(ConfigEntryState.NOT_LOADED, True)]
        assert _ours(old) == []
        assert entry.data[CONF_PORT] == new.port
        await hass.async_block_till_done()


async def test_moving_an_entry_that_cannot_be_unloaded_changes_nothing(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    """An entry being set up cannot be unloaded: no move, the old server keeps its rules."""
    old = pihole_server
    await _install_rules(hass, old)
    data = old.entry_data()
    entry = _entry(hass, data)
    entry.mock_state(hass, ConfigEntryState.SETUP_IN_PROGRESS)
    async with serve_pihole() as new:
        result = await flow.reconfigure(hass, entry, _input(new))
    flow.assert_abort(result, "reconfigure_unload_failed")
    assert _ours(old)
    assert entry.data == data


async def test_reconfigure_away_from_an_unreachable_pihole_says_what_is_left(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    entry = _entry(hass, pihole_server.entry_data() | {CONF_PORT: unused_port()})
    removal = await flow.reconfigure_away_from_unreachable(hass, entry, _input(pihole_server))
    assert OUR_COMMENT in removal


async def test_reconfigure_onto_another_entrys_pihole_aborts(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    _entry(hass, pihole_server.entry_data(router_id="rid-1"))
    entry = _entry(hass, pihole_server.entry_data(router_id="rid-2") | {CONF_PORT: 1})
    await flow.assert_reconfigure_onto_taken_aborts(hass, entry, _input(pihole_server))
    assert _logins(pihole_server) == []


async def test_offers_skip_pi_hole_entries_without_a_usable_host(hass: HomeAssistant) -> None:
    # Home Assistant's Pi-hole integration stores "host:port"; without a port it is 80.
    bare = MockConfigEntry(domain="pi_hole", title="Bare", data={CONF_HOST: "pi.hole"})
    bare.add_to_hass(hass)
    for data in (
        {CONF_LOCATION: "admin"},  # No host at all.
        {CONF_HOST: ""},
        {CONF_HOST: "http://pi.hole/admin"},  # A URL, no host.
        {CONF_HOST: "pi hole:8080"},
    ):
        MockConfigEntry(domain="pi_hole", title="Odd", data=data).add_to_hass(hass)
    result = await _open(hass)
    assert result["step_id"] == "pihole_existing"
    options = flow.offered(result)
    assert options == [
        {"value": bare.entry_id, "label": "Bare (pi.hole:80)"},
        {"value": MANUAL, "label": MANUAL},
    ]


async def test_offer_removed_before_the_submit(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    entries = [
        MockConfigEntry(
            domain="pi_hole",
            title=title,
            data={CONF_HOST: f"{host}:{pihole_server.port}", CONF_API_KEY: PIHOLE_APP_PASSWORD},
        )
        for title, host in (("Gone", "127.0.0.2"), ("Kept", "127.0.0.1"))
    ]
    for entry in entries:
        entry.add_to_hass(hass)
    gone, kept = entries
    mock_integration(hass, MockModule("pi_hole"))  # Removing loads no real integration.
    result = await _open(hass)
    assert result["step_id"] == "pihole_existing"
    await hass.config_entries.async_remove(gone.entry_id)
    result = await flow.submit(hass, result, {CONF_CONNECTION: gone.entry_id})
    flow.assert_form(result, "pihole_existing")
    assert result["errors"] == {CONF_CONNECTION: "offer_gone"}
    options = flow.offered(result)
    assert [option["value"] for option in options] == [kept.entry_id, MANUAL]
    assert _logins(pihole_server) == []  # Nothing was tried.
    result = await flow.submit(hass, result, {CONF_CONNECTION: kept.entry_id})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "127.0.0.1"


async def test_an_api_error_object_at_login_is_unknown_and_logged(
    hass: HomeAssistant, pihole_server: PiholeServer, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = pihole_server.emulator
    real_auth = emulator._auth

    def odd_auth(request: Any, query: Any, body: object) -> tuple[int, object]:
        if request.method == "POST":  # A documented 400 that is no 2FA question.
            return 400, {"error": {"key": "bad_request", "message": "Odd", "hint": None}}
        return real_auth(request, query, body)

    result = await _open(hass)
    with patch.object(emulator, "_auth", side_effect=odd_auth):
        result = await flow.submit(hass, result, _input(pihole_server))
    flow.assert_form(result, "pihole")
    assert result["errors"] == {"base": "unknown"}
    assert "Unexpected answer from Pi-hole" in caplog.text
    assert "bad_request" in caplog.text
    assert len(_logins(pihole_server)) == 1
    result = await flow.submit(hass, result, _input(pihole_server))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reconfigure_to_another_pihole_without_a_password(
    hass: HomeAssistant, pihole_server: PiholeServer
) -> None:
    # The old entry had no password: none is asked for on the new server either.
    old = pihole_server
    old.emulator.password = ""
    data = old.entry_data(router_id="rid-9") | {CONF_PASSWORD: ""}
    entry = _entry(hass, data)
    async with serve_pihole() as new:
        new.emulator.password = ""
        result = await flow.reconfigure(hass, entry, _input(new, **{CONF_PASSWORD: ""}))
        flow.assert_abort(result, "reconfigure_successful")
        assert entry.data == data | {CONF_PORT: new.port}
        assert len(_logins(new)) == 1
        assert len(_logins(old)) == 1  # The old one cleaned with its own (empty) password.
        await hass.async_block_till_done()
