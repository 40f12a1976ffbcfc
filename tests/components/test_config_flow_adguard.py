"""The AdGuard Home config flow through Home Assistant's flow manager, against the emulator."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.backends.adguard import AdGuardBackend
from custom_components.snoop_guard.backends.adguard_rules import BEGIN
from custom_components.snoop_guard.connection import CONF_BACKEND, BackendType
from custom_components.snoop_guard.const import CONF_DEVICE_ALIASES, CONF_ROUTER_ID
from custom_components.snoop_guard.flow_dnsfilter import (
    CONF_CONNECTION,
    MANUAL,
    InvalidHostError,
    clean_input,
)

from . import flow_helpers as flow
from .emulated import ADGUARD_PASSWORD, AdGuardServer, WrongServer, serve_adguard, unused_port
from .flow_helpers import fixture_no_setup  # noqa: F401

TV_IP = "192.168.1.50"


def _input(server: AdGuardServer | WrongServer, **changes: Any) -> dict[str, Any]:
    return flow.server_input(
        server, {CONF_USERNAME: "admin", CONF_PASSWORD: ADGUARD_PASSWORD}, changes
    )


async def _open(hass: HomeAssistant) -> ConfigFlowResult:
    return await flow.open_flow(hass, "adguard")


def _entry(hass: HomeAssistant, data: dict[str, Any], **kwargs: Any) -> MockConfigEntry:
    return flow.add_entry(hass, "AdGuard Home (127.0.0.1)", data, **kwargs)


async def _install_rules(hass: HomeAssistant, server: AdGuardServer) -> None:
    """Block the TV on ``server`` through the backend, as a running entry would."""
    await flow.install_rules(hass, server.entry_data(), TV_IP)
    assert BEGIN in server.emulator.user_rules
    assert TV_IP in server.emulator.access["disallowed_clients"]


def _their_adguard(hass: HomeAssistant, server: AdGuardServer, password: str) -> MockConfigEntry:
    """An entry of Home Assistant's own AdGuard Home integration for ``server``."""
    theirs = MockConfigEntry(
        domain="adguard",
        title="Home AdGuard",
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: server.port,
            CONF_SSL: False,
            CONF_VERIFY_SSL: True,
            CONF_USERNAME: "admin",
            CONF_PASSWORD: password,
        },
    )
    theirs.add_to_hass(hass)
    return theirs


async def test_create_tests_once_then_creates(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    result = await _open(hass)
    flow.assert_form(result, "adguard")
    assert result["description_placeholders"] == {"product": "AdGuard Home"}
    result = await flow.submit(hass, result, _input(adguard_server, **{CONF_HOST: " 127.0.0.1 "}))
    assert flow.created_data(result, "AdGuard Home (127.0.0.1)") == {
        CONF_BACKEND: "adguard",
        CONF_HOST: "127.0.0.1",
        CONF_PORT: adguard_server.port,
        CONF_SSL: False,
        CONF_VERIFY_SSL: True,
        CONF_USERNAME: "admin",
        CONF_PASSWORD: ADGUARD_PASSWORD,
    }
    assert [r[:2] for r in adguard_server.emulator.requests] == [("GET", "/status")]


async def test_each_error_then_recovers(
    hass: HomeAssistant, adguard_server: AdGuardServer, wrong_server: WrongServer
) -> None:
    result = await _open(hass)
    flow_id = result["flow_id"]

    result = await flow.submit(
        hass, flow_id, _input(adguard_server, **{CONF_HOST: "http://127.0.0.1/admin"})
    )
    assert result["errors"] == {CONF_HOST: "invalid_host"}

    result = await flow.submit(hass, flow_id, _input(adguard_server, **{CONF_PORT: unused_port()}))
    assert result["errors"] == {"base": "cannot_connect"}

    result = await flow.submit(hass, flow_id, _input(wrong_server))
    assert result["errors"] == {"base": "wrong_server"}
    assert result["description_placeholders"] == {"product": "AdGuard Home"}
    assert wrong_server.requests == 1

    result = await flow.submit(hass, flow_id, _input(adguard_server, **{CONF_PASSWORD: "wrong"}))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert adguard_server.emulator.failed_logins == 1

    result = await flow.submit(hass, flow_id, _input(adguard_server))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert len(adguard_server.emulator.requests) == 2


async def test_lockout_one_request_per_submit_and_never_a_retry(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    emulator = adguard_server.emulator
    result = await _open(hass)
    for attempt in range(1, 6):
        result = await flow.submit(
            hass, result, _input(adguard_server, **{CONF_PASSWORD: f"guess {attempt}"})
        )
        assert result["errors"] == {"base": "invalid_auth"}
        assert len(emulator.requests) == attempt
    assert emulator.failed_logins == 5
    # Locked out now: the right password is refused too, in one request, not retried.
    result = await flow.submit(hass, result, _input(adguard_server))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert len(emulator.requests) == 6
    assert emulator.blocked_for("127.0.0.1") > 0


async def test_no_credentials_for_a_server_with_a_login(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    result = await _open(hass)
    no_login = {
        k: v for k, v in _input(adguard_server).items() if k not in ("username", "password")
    }
    result = await flow.submit(hass, result, no_login)
    assert result["errors"] == {"base": "invalid_auth"}


async def test_offers_the_connection_of_home_assistants_adguard(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    theirs = _their_adguard(hass, adguard_server, ADGUARD_PASSWORD)
    result = await _open(hass)
    flow.assert_form(result, "adguard_existing")
    options = flow.offered(result)
    assert options == [
        {"value": theirs.entry_id, "label": f"Home AdGuard (127.0.0.1:{adguard_server.port})"},
        {"value": MANUAL, "label": MANUAL},
    ]
    assert adguard_server.emulator.requests == []  # Nothing is tried before the user chooses.
    result = await flow.submit(hass, result, {CONF_CONNECTION: theirs.entry_id})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PASSWORD] == ADGUARD_PASSWORD
    assert result["data"][CONF_PORT] == adguard_server.port
    assert result["data"][CONF_BACKEND] == "adguard"


async def test_offer_with_a_stale_password_then_enter_another(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    theirs = _their_adguard(hass, adguard_server, "old")
    result = await _open(hass)
    result = await flow.submit(hass, result, {CONF_CONNECTION: theirs.entry_id})
    assert result["step_id"] == "adguard_existing"
    assert result["errors"] == {"base": "invalid_auth"}
    await flow.enter_manually(hass, result, "adguard", _input(adguard_server))


@pytest.mark.parametrize("legacy", [False, True])
async def test_same_server_twice_aborts_before_any_login(
    hass: HomeAssistant, adguard_server: AdGuardServer, legacy: bool
) -> None:
    # An entry of an older version (the server as unique id) matches the same way.
    await flow.assert_added_again_aborts(
        hass,
        "adguard",
        adguard_server.entry_data(),
        legacy=legacy,
        again=_input(adguard_server, **{CONF_HOST: "127.0.0.1"}),
    )
    assert adguard_server.emulator.requests == []


async def test_same_server_matches_host_in_any_case_and_only_that_port(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    _entry(hass, adguard_server.entry_data() | {CONF_HOST: "AdGuard.Example", CONF_PORT: 3000})
    result = await _open(hass)
    result = await flow.submit(
        hass, result, _input(adguard_server, **{CONF_HOST: "adguard.example", CONF_PORT: 3000})
    )
    flow.assert_abort(result, "already_configured")
    # Same host, another port: another server.
    result = await _open(hass)
    result = await flow.submit(hass, result, _input(adguard_server))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_offer_skips_a_server_snoop_guard_already_uses(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    _entry(hass, adguard_server.entry_data())
    MockConfigEntry(
        domain="adguard",
        data={CONF_HOST: "127.0.0.1", CONF_PORT: adguard_server.port, CONF_SSL: False},
    ).add_to_hass(hass)
    result = await _open(hass)
    assert result["step_id"] == "adguard"


async def test_reauth_failure_then_success(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    data = adguard_server.entry_data() | {
        CONF_PASSWORD: "expired",
        CONF_DEVICE_ALIASES: {"aa:bb": "TV"},
    }
    entry = _entry(hass, data)
    result = await entry.start_reauth_flow(hass)
    flow.assert_form(result, "reauth_adguard")
    assert result["description_placeholders"]["host"] == "127.0.0.1"
    assert adguard_server.emulator.requests == []  # Opening reauth logs in to nothing.
    result = await flow.submit(hass, result, {CONF_USERNAME: "admin", CONF_PASSWORD: "still wrong"})
    assert result["errors"] == {"base": "invalid_auth"}
    assert len(adguard_server.emulator.requests) == 1
    assert entry.data[CONF_PASSWORD] == "expired"
    result = await flow.submit(
        hass, result, {CONF_USERNAME: "admin", CONF_PASSWORD: ADGUARD_PASSWORD}
    )
    flow.assert_abort(result, "reauth_successful")
    assert entry.data == data | {CONF_PASSWORD: ADGUARD_PASSWORD}
    assert len(adguard_server.emulator.requests) == 2


async def test_reconfigure_same_server_keeps_the_saved_password(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    data = adguard_server.entry_data(router_id="rid-1") | {
        CONF_VERIFY_SSL: False,
        CONF_DEVICE_ALIASES: {"aa:bb": "TV"},
    }
    port = adguard_server.port
    entry = _entry(hass, data, unique_id=flow.legacy_unique_id("adguard", port))
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_adguard"
    # Same host (in another case) and port; an empty password keeps the saved one.
    result = await flow.submit(
        hass, result, _input(adguard_server, **{CONF_HOST: "127.0.0.1", CONF_PASSWORD: ""})
    )
    flow.assert_abort(result, "reconfigure_successful")
    assert entry.data == data | {CONF_VERIFY_SSL: True}
    assert entry.unique_id is None  # The older host-based unique id is gone.
    # One connection test; nothing was removed from the server.
    assert [r[:2] for r in adguard_server.emulator.requests] == [("GET", "/status")]


async def test_reconfigure_to_another_server_asks_for_the_password_and_cleans_the_old(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    old = adguard_server
    await _install_rules(hass, old)
    data = old.entry_data(router_id="rid-1") | {CONF_DEVICE_ALIASES: {"aa:bb": "TV"}}
    entry = flow.add_loaded_entry(hass, "AdGuard Home (127.0.0.1)", data)
    async with serve_adguard() as new:
        flow_id = await flow.start_reconfigure(hass, entry)
        requests_before = len(old.emulator.requests)
        # The saved password never goes to another server: asked for again.
        result = await flow.assert_password_required(
            hass, flow_id, _input(new, **{CONF_PASSWORD: ""})
        )
        # Nor is it offered in the form.
        assert CONF_PASSWORD not in result["data_schema"]({CONF_HOST: "h", CONF_PORT: 1})
        result = await flow.submit(hass, flow_id, _input(new, **{CONF_USERNAME: ""}))
        assert result["errors"] == {CONF_USERNAME: "username_required"}
        assert new.emulator.requests == []
        # Both left empty: a server without a login; tried without any credentials.
        result = await flow.submit(
            hass, flow_id, _input(new, **{CONF_USERNAME: "", CONF_PASSWORD: ""})
        )
        assert result["errors"] == {"base": "invalid_auth"}
        assert len(new.emulator.requests) == 1
        assert new.emulator.failed_logins == 0  # No Basic header: no password went there.
        # A wrong password: refused, the old server untouched.
        result = await flow.submit(hass, flow_id, _input(new, **{CONF_PASSWORD: "wrong"}))
        assert result["errors"] == {"base": "invalid_auth"}
        assert len(old.emulator.requests) == requests_before
        assert entry.data == data

        await flow.move_unloading_first(
            hass, flow_id, _input(new), lambda: BEGIN in old.emulator.user_rules
        )
        assert BEGIN not in old.emulator.user_rules
        assert TV_IP not in old.emulator.access["disallowed_clients"]
        assert entry.data == data | {CONF_PORT: new.port}
        assert entry.data[CONF_ROUTER_ID] == "rid-1"
        assert entry.unique_id is None
        await hass.async_block_till_done()


async def test_reconfigure_away_from_an_unreachable_server_says_what_is_left(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    entry = _entry(hass, adguard_server.entry_data(router_id="rid-1") | {CONF_PORT: unused_port()})
    removal = await flow.reconfigure_away_from_unreachable(hass, entry, _input(adguard_server))
    assert "snoop-guard:begin" in removal


async def test_reconfigure_onto_another_entrys_server_aborts(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    _entry(hass, adguard_server.entry_data(router_id="rid-1") | {CONF_HOST: "LocalHost"})
    entry = _entry(hass, adguard_server.entry_data(router_id="rid-2") | {CONF_PORT: 1})
    await flow.assert_reconfigure_onto_taken_aborts(
        hass, entry, _input(adguard_server, **{CONF_HOST: "localhost"})
    )
    assert adguard_server.emulator.requests == []


@pytest.mark.parametrize(
    ("host", "cleaned"),
    [
        (" adguard.lan ", "adguard.lan"),
        ("a0d7b954-adguard", "a0d7b954-adguard"),
        ("fd00::53", "fd00::53"),
        ("[fd00::53]", "fd00::53"),
        ("http://adguard.lan", None),
        ("adguard.lan:3000", None),
        ("adguard.lan/control", None),
        ("admin@adguard.lan", None),
        ("ad guard", None),
        ("", None),
    ],
)
def test_host_field_takes_only_a_host(host: str, cleaned: str | None) -> None:
    values = {CONF_HOST: host, CONF_PORT: 3000.0, CONF_SSL: True}
    if cleaned is None:
        with pytest.raises(InvalidHostError):
            clean_input(BackendType.ADGUARD, values)
        return
    data = clean_input(BackendType.ADGUARD, values)
    assert data == {
        CONF_BACKEND: "adguard",
        CONF_HOST: cleaned,
        CONF_PORT: 3000,
        CONF_SSL: True,
        CONF_VERIFY_SSL: True,
    }


async def test_an_unexpected_error_while_connecting_is_unknown_and_closes(
    hass: HomeAssistant, adguard_server: AdGuardServer, caplog: pytest.LogCaptureFixture
) -> None:
    closed: list[bool] = []

    async def close(self: AdGuardBackend) -> None:
        closed.append(True)

    result = await _open(hass)
    with (
        patch.object(AdGuardBackend, "async_connect", side_effect=RuntimeError("boom")),
        patch.object(AdGuardBackend, "async_close", close),
    ):
        result = await flow.submit(hass, result, _input(adguard_server))
    flow.assert_form(result, "adguard")
    assert result["errors"] == {"base": "unknown"}
    assert CONF_PASSWORD not in flow.suggested(result)  # The form never shows the password.
    assert closed == [True]
    assert "Unexpected error testing the connection" in caplog.text
    assert "RuntimeError: boom" in caplog.text
    result = await flow.submit(hass, result, _input(adguard_server))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_offers_skip_adguard_entries_without_a_host(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    MockConfigEntry(domain="adguard", data={CONF_PORT: adguard_server.port}).add_to_hass(hass)
    MockConfigEntry(
        domain="adguard", data={CONF_HOST: "http://127.0.0.1", CONF_PORT: adguard_server.port}
    ).add_to_hass(hass)
    result = await _open(hass)
    assert result["step_id"] == "adguard"  # Nothing to offer: the form right away.
    assert adguard_server.emulator.requests == []


async def test_reconfigure_with_an_invalid_host(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    data = adguard_server.entry_data(router_id="rid-1")
    entry = _entry(hass, data)
    result = await flow.reconfigure(
        hass, entry, _input(adguard_server, **{CONF_HOST: "http://127.0.0.1"})
    )
    flow.assert_form(result, "reconfigure_adguard")
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    # What was typed is shown again, never the password.
    shown = flow.suggested(result)
    assert shown[CONF_HOST] == "http://127.0.0.1"
    assert CONF_PASSWORD not in shown
    assert entry.data == data
    assert adguard_server.emulator.requests == []
    result = await flow.submit(hass, result, _input(adguard_server))
    flow.assert_abort(result, "reconfigure_successful")
