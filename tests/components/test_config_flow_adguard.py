"""The AdGuard Home config flow through Home Assistant's flow manager, against the emulator."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
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
from custom_components.snoop_guard.backends.base import DevicePolicy, TrackerSet
from custom_components.snoop_guard.connection import CONF_BACKEND, BackendType, build_backend
from custom_components.snoop_guard.const import CONF_DEVICE_ALIASES, CONF_ROUTER_ID, DOMAIN
from custom_components.snoop_guard.flow_dnsfilter import (
    CONF_CONNECTION,
    MANUAL,
    InvalidHostError,
    clean_input,
)

from .emulated import ADGUARD_PASSWORD, AdGuardServer, WrongServer, serve_adguard, unused_port

TV_IP = "192.168.1.50"


@pytest.fixture(autouse=True)
def no_setup() -> Generator[None]:
    """Setting up the created entry is not the flow's business here."""
    with patch("custom_components.snoop_guard.async_setup_entry", return_value=True):
        yield


def _input(server: AdGuardServer | WrongServer, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        CONF_HOST: server.host,
        CONF_PORT: server.port,
        CONF_SSL: False,
        CONF_VERIFY_SSL: True,
        CONF_USERNAME: "admin",
        CONF_PASSWORD: ADGUARD_PASSWORD,
    }
    return values | changes


async def _open(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "adguard"}
    )


def _entry(hass: HomeAssistant, data: dict[str, Any], **kwargs: Any) -> MockConfigEntry:
    """An entry as the flow makes it (no unique id; ``unique_id=`` for an older one)."""
    entry = MockConfigEntry(domain=DOMAIN, title="AdGuard Home (127.0.0.1)", data=data, **kwargs)
    entry.add_to_hass(hass)
    return entry


async def _install_rules(hass: HomeAssistant, server: AdGuardServer) -> None:
    """Block the TV on ``server`` through the backend, as a running entry would."""
    backend = build_backend(hass, server.entry_data())
    try:
        await backend.async_connect()
        await backend.async_apply(
            [DevicePolicy("aa:bb:cc:00:00:01", (TV_IP,), block_trackers=True, block_internet=True)],
            TrackerSet(("tracker.example",), "", ""),
        )
    finally:
        await backend.async_close()
    assert BEGIN in server.emulator.user_rules
    assert TV_IP in server.emulator.access["disallowed_clients"]


async def test_create_tests_once_then_creates(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    result = await _open(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "adguard"
    assert result["description_placeholders"] == {"product": "AdGuard Home"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(adguard_server, **{CONF_HOST: " 127.0.0.1 "})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "AdGuard Home (127.0.0.1)"
    data = dict(result["data"])
    assert len(data.pop(CONF_ROUTER_ID)) >= 8
    assert data == {
        CONF_BACKEND: "adguard",
        CONF_HOST: "127.0.0.1",
        CONF_PORT: adguard_server.port,
        CONF_SSL: False,
        CONF_VERIFY_SSL: True,
        CONF_USERNAME: "admin",
        CONF_PASSWORD: ADGUARD_PASSWORD,
    }
    assert result["result"].unique_id is None  # No host as unique id.
    assert [r[:2] for r in adguard_server.emulator.requests] == [("GET", "/status")]


async def test_each_error_then_recovers(
    hass: HomeAssistant, adguard_server: AdGuardServer, wrong_server: WrongServer
) -> None:
    result = await _open(hass)
    flow_id = result["flow_id"]

    result = await hass.config_entries.flow.async_configure(
        flow_id, _input(adguard_server, **{CONF_HOST: "http://127.0.0.1/admin"})
    )
    assert result["errors"] == {CONF_HOST: "invalid_host"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, _input(adguard_server, **{CONF_PORT: unused_port()})
    )
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(flow_id, _input(wrong_server))
    assert result["errors"] == {"base": "wrong_server"}
    assert result["description_placeholders"] == {"product": "AdGuard Home"}
    assert wrong_server.requests == 1

    result = await hass.config_entries.flow.async_configure(
        flow_id, _input(adguard_server, **{CONF_PASSWORD: "wrong"})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert adguard_server.emulator.failed_logins == 1

    result = await hass.config_entries.flow.async_configure(flow_id, _input(adguard_server))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert len(adguard_server.emulator.requests) == 2


async def test_lockout_one_request_per_submit_and_never_a_retry(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    emulator = adguard_server.emulator
    result = await _open(hass)
    for attempt in range(1, 6):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _input(adguard_server, **{CONF_PASSWORD: f"guess {attempt}"})
        )
        assert result["errors"] == {"base": "invalid_auth"}
        assert len(emulator.requests) == attempt
    assert emulator.failed_logins == 5
    # Locked out now: the right password is refused too, in one request, not retried.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(adguard_server)
    )
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
    result = await hass.config_entries.flow.async_configure(result["flow_id"], no_login)
    assert result["errors"] == {"base": "invalid_auth"}


async def test_offers_the_connection_of_home_assistants_adguard(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    theirs = MockConfigEntry(
        domain="adguard",
        title="Home AdGuard",
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: adguard_server.port,
            CONF_SSL: False,
            CONF_VERIFY_SSL: True,
            CONF_USERNAME: "admin",
            CONF_PASSWORD: ADGUARD_PASSWORD,
        },
    )
    theirs.add_to_hass(hass)
    result = await _open(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "adguard_existing"
    options = result["data_schema"].schema[CONF_CONNECTION].config["options"]
    assert options == [
        {"value": theirs.entry_id, "label": f"Home AdGuard (127.0.0.1:{adguard_server.port})"},
        {"value": MANUAL, "label": MANUAL},
    ]
    assert adguard_server.emulator.requests == []  # Nothing is tried before the user chooses.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CONNECTION: theirs.entry_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PASSWORD] == ADGUARD_PASSWORD
    assert result["data"][CONF_PORT] == adguard_server.port
    assert result["data"][CONF_BACKEND] == "adguard"


async def test_offer_with_a_stale_password_then_enter_another(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    theirs = MockConfigEntry(
        domain="adguard",
        title="Home AdGuard",
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: adguard_server.port,
            CONF_SSL: False,
            CONF_VERIFY_SSL: True,
            CONF_USERNAME: "admin",
            CONF_PASSWORD: "old",
        },
    )
    theirs.add_to_hass(hass)
    result = await _open(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CONNECTION: theirs.entry_id}
    )
    assert result["step_id"] == "adguard_existing"
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CONNECTION: MANUAL}
    )
    assert result["step_id"] == "adguard"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(adguard_server)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("legacy_unique_id", [False, True])
async def test_same_server_twice_aborts_before_any_login(
    hass: HomeAssistant, adguard_server: AdGuardServer, legacy_unique_id: bool
) -> None:
    # An entry of an older version (the server as unique id) matches the same way.
    port = adguard_server.port
    _entry(
        hass,
        adguard_server.entry_data(),
        unique_id=f"adguard:127.0.0.1:{port}" if legacy_unique_id else None,
    )
    result = await _open(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(adguard_server, **{CONF_HOST: "127.0.0.1"})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert adguard_server.emulator.requests == []


async def test_same_server_matches_host_in_any_case_and_only_that_port(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    _entry(hass, adguard_server.entry_data() | {CONF_HOST: "AdGuard.Example", CONF_PORT: 3000})
    result = await _open(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(adguard_server, **{CONF_HOST: "adguard.example", CONF_PORT: 3000})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    # Same host, another port: another server.
    result = await _open(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(adguard_server)
    )
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
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_adguard"
    assert result["description_placeholders"]["host"] == "127.0.0.1"
    assert adguard_server.emulator.requests == []  # Opening reauth logs in to nothing.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "still wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert len(adguard_server.emulator.requests) == 1
    assert entry.data[CONF_PASSWORD] == "expired"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: ADGUARD_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
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
    entry = _entry(hass, data, unique_id=f"adguard:127.0.0.1:{port}")
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_adguard"
    # Same host (in another case) and port; an empty password keeps the saved one.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(adguard_server, **{CONF_HOST: "127.0.0.1", CONF_PASSWORD: ""})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
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
    entry = _entry(hass, data)
    entry.mock_state(hass, ConfigEntryState.LOADED)
    async with serve_adguard() as new:
        result = await entry.start_reconfigure_flow(hass)
        flow_id = result["flow_id"]
        requests_before = len(old.emulator.requests)
        # The saved password never goes to another server: asked for again.
        result = await hass.config_entries.flow.async_configure(
            flow_id, _input(new, **{CONF_PASSWORD: ""})
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {CONF_PASSWORD: "password_required"}
        # Nor is it offered in the form.
        assert CONF_PASSWORD not in result["data_schema"]({CONF_HOST: "h", CONF_PORT: 1})
        result = await hass.config_entries.flow.async_configure(
            flow_id, _input(new, **{CONF_USERNAME: ""})
        )
        assert result["errors"] == {CONF_USERNAME: "username_required"}
        assert new.emulator.requests == []
        # Both left empty: a server without a login; tried without any credentials.
        result = await hass.config_entries.flow.async_configure(
            flow_id, _input(new, **{CONF_USERNAME: "", CONF_PASSWORD: ""})
        )
        assert result["errors"] == {"base": "invalid_auth"}
        assert len(new.emulator.requests) == 1
        assert new.emulator.failed_logins == 0  # No Basic header: no password went there.
        # A wrong password: refused, the old server untouched.
        result = await hass.config_entries.flow.async_configure(
            flow_id, _input(new, **{CONF_PASSWORD: "wrong"})
        )
        assert result["errors"] == {"base": "invalid_auth"}
        assert len(old.emulator.requests) == requests_before
        assert entry.data == data

        unloaded_with_rules: list[bool] = []

        async def unload(*_: Any) -> bool:
            unloaded_with_rules.append(BEGIN in old.emulator.user_rules)
            return True

        with patch("custom_components.snoop_guard.async_unload_entry", side_effect=unload):
            result = await hass.config_entries.flow.async_configure(flow_id, _input(new))
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        # Unloaded before the old server was cleaned (its coordinator would re-apply).
        assert unloaded_with_rules == [True]
        assert BEGIN not in old.emulator.user_rules
        assert TV_IP not in old.emulator.access["disallowed_clients"]
        assert entry.data == data | {CONF_PORT: new.port}
        assert entry.data[CONF_ROUTER_ID] == "rid-1"
        assert entry.unique_id is None
        await hass.async_block_till_done()


async def test_reconfigure_away_from_an_unreachable_server_says_what_is_left(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    data = adguard_server.entry_data(router_id="rid-1") | {CONF_PORT: (dead := unused_port())}
    entry = _entry(hass, data)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(adguard_server)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_old_rules_left"
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert placeholders["old_host"] == f"127.0.0.1:{dead}"
    assert "snoop-guard:begin" in placeholders["manual_removal"]
    assert entry.data == data | {CONF_PORT: adguard_server.port}


async def test_reconfigure_onto_another_entrys_server_aborts(
    hass: HomeAssistant, adguard_server: AdGuardServer
) -> None:
    _entry(hass, adguard_server.entry_data(router_id="rid-1") | {CONF_HOST: "LocalHost"})
    entry = _entry(hass, adguard_server.entry_data(router_id="rid-2") | {CONF_PORT: 1})
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(adguard_server, **{CONF_HOST: "localhost"})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == 1
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


def _suggested(result: ConfigFlowResult) -> dict[str, Any]:
    """The values a form shows filled in."""
    schema = result["data_schema"]
    assert schema is not None
    return {
        str(key): key.description["suggested_value"]
        for key in schema.schema
        if key.description and "suggested_value" in key.description
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
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _input(adguard_server)
        )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "adguard"
    assert result["errors"] == {"base": "unknown"}
    assert CONF_PASSWORD not in _suggested(result)  # The form never shows the password.
    assert closed == [True]
    assert "Unexpected error testing the connection" in caplog.text
    assert "RuntimeError: boom" in caplog.text
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(adguard_server)
    )
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
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(adguard_server, **{CONF_HOST: "http://127.0.0.1"})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure_adguard"
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    # What was typed is shown again, never the password.
    suggested = _suggested(result)
    assert suggested[CONF_HOST] == "http://127.0.0.1"
    assert CONF_PASSWORD not in suggested
    assert entry.data == data
    assert adguard_server.emulator.requests == []
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(adguard_server)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
