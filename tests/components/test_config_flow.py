"""Config, reauth, reconfigure and options flows, including every error path."""

from __future__ import annotations

from collections.abc import Generator
from ipaddress import ip_address
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import (
    SOURCE_DHCP,
    SOURCE_USER,
    SOURCE_ZEROCONF,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.backends.base import (
    BackendAuthError,
    BackendConnectionError,
    BackendError,
    BackendResponseError,
    HostKeyMismatchError,
    MissingToolError,
)
from custom_components.snoop_guard.backends.linux_ssh import host_key_fingerprint
from custom_components.snoop_guard.const import (
    CONF_ALLOW_OVERRIDES,
    CONF_ALLOWED_SCANNERS,
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
    CONF_STALE_DAYS,
    CONF_SUBSCRIPTIONS,
    DOMAIN,
)
from custom_components.snoop_guard.engine.allowlist import FUNCTIONAL_ALLOW
from tests.fakes import FakeRouter

USER_INPUT = {CONF_HOST: " 198.18.5.1 ", CONF_PORT: 22, CONF_USERNAME: "root", CONF_PASSWORD: "pw"}
ROUTER_INPUT = {
    CONF_LOG_SOURCE: "file",
    CONF_LOG_PATH: "/var/log/dnsmasq.log",
    CONF_LEASES_PATH: "/var/lib/misc/dnsmasq.leases",
    CONF_DNSMASQ_CONF_DIR: "/etc/dnsmasq.d",
    CONF_DNSMASQ_RESTART: "systemctl restart dnsmasq",
}


async def _ssh_form(hass: HomeAssistant) -> ConfigFlowResult:
    """Open the flow and pick the SSH router from the first step's menu."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == ["ssh", "adguard", "pihole"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ssh"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ssh"
    return result


@pytest.fixture
def fetch_key(host_keys: tuple[str, str]) -> Generator[AsyncMock]:
    with patch(
        "custom_components.snoop_guard.config_flow.async_fetch_host_key",
        AsyncMock(return_value=host_keys[0]),
    ) as mock:
        yield mock


@pytest.fixture(autouse=True)
def no_setup() -> Generator[None]:
    """Creating an entry must not set it up in these tests."""
    with patch("custom_components.snoop_guard.async_setup_entry", return_value=True):
        yield


async def test_user_flow_pins_the_host_key(
    hass: HomeAssistant, patch_backend: FakeRouter, fetch_key: AsyncMock, host_keys: tuple[str, str]
) -> None:
    result = await _ssh_form(hass)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "router"
    assert result["description_placeholders"]["fingerprint"] == host_key_fingerprint(host_keys[0])
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ROUTER_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "fake-router"
    assert result["data"][CONF_HOST] == "198.18.5.1"
    assert result["data"][CONF_HOST_KEY] == host_keys[0]
    assert result["data"][CONF_PASSWORD] == "pw"
    assert result["result"].unique_id == host_key_fingerprint(host_keys[0])
    fetch_key.assert_awaited_once_with("198.18.5.1", 22)


@pytest.mark.parametrize(
    ("failure", "field", "error"),
    [
        (BackendAuthError("no"), "base", "invalid_auth"),
        (MissingToolError(["nft"]), "base", "missing_tools"),
        (HostKeyMismatchError(), "base", "host_key_mismatch"),
        (BackendConnectionError("down"), CONF_HOST, "cannot_connect"),
        (BackendResponseError("odd"), "base", "unknown"),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant,
    patch_backend: FakeRouter,
    fetch_key: AsyncMock,
    failure: BackendError,
    field: str,
    error: str,
) -> None:
    result = await _ssh_form(hass)
    patch_backend.fail_with = failure
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    patch_backend.fail_with = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert result["step_id"] == "router"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ROUTER_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_unreachable_host_and_missing_credentials(
    hass: HomeAssistant, patch_backend: FakeRouter, fetch_key: AsyncMock
) -> None:
    result = await _ssh_form(hass)
    no_creds = {k: v for k, v in USER_INPUT.items() if k != CONF_PASSWORD}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], no_creds)
    assert result["errors"] == {"base": "no_credentials"}
    fetch_key.side_effect = BackendConnectionError("no route")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert result["errors"] == {CONF_HOST: "cannot_connect"}


@pytest.mark.parametrize(
    ("problems", "errors"),
    [
        (["log"], {CONF_LOG_PATH: "log_not_found"}),
        (["conf_dir"], {CONF_DNSMASQ_CONF_DIR: "conf_dir_not_found"}),
    ],
)
async def test_router_paths_are_checked(
    hass: HomeAssistant,
    patch_backend: FakeRouter,
    fetch_key: AsyncMock,
    problems: list[str],
    errors: dict[str, str],
) -> None:
    result = await _ssh_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    patch_backend.path_problems = problems
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ROUTER_INPUT)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    patch_backend.path_problems = []
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ROUTER_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_router_twice_aborts(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    fetch_key: AsyncMock,
) -> None:
    result = await _ssh_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], USER_INPUT | {CONF_HOST: "198.18.5.9"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert mock_entry.data[CONF_HOST] == "198.18.5.9"


async def test_reauth_with_new_password(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    fetch_key: AsyncMock,
) -> None:
    result = await mock_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert "new_fingerprint" not in result["description_placeholders"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "no_credentials"}
    patch_backend.fail_with = BackendAuthError("still no")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    patch_backend.fail_with = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "right"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_entry.data[CONF_PASSWORD] == "right"


async def test_reauth_shows_and_pins_a_changed_host_key(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    fetch_key: AsyncMock,
    host_keys: tuple[str, str],
) -> None:
    fetch_key.return_value = host_keys[1]
    result = await mock_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_host_key"
    placeholders = result["description_placeholders"]
    assert placeholders["new_fingerprint"] == host_key_fingerprint(host_keys[1])
    assert placeholders["old_fingerprint"] == host_key_fingerprint(host_keys[0])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PRIVATE_KEY: mock_entry.data[CONF_PRIVATE_KEY]}
    )
    assert result["reason"] == "reauth_successful"
    assert mock_entry.data[CONF_HOST_KEY] == host_keys[1]
    assert mock_entry.unique_id == host_key_fingerprint(host_keys[1])


async def test_reconfigure_changes_host_but_not_router(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    fetch_key: AsyncMock,
    host_keys: tuple[str, str],
) -> None:
    result = await mock_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    fetch_key.return_value = host_keys[1]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], USER_INPUT | {CONF_HOST: "198.18.5.2"}
    )
    assert result["errors"] == {"base": "host_key_mismatch"}
    fetch_key.return_value = host_keys[0]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], USER_INPUT | {CONF_HOST: "198.18.5.2"}
    )
    assert result["step_id"] == "router"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], ROUTER_INPUT | {CONF_DNSMASQ_RESTART: "/etc/init.d/dnsmasq restart"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_entry.data[CONF_HOST] == "198.18.5.2"
    assert mock_entry.data[CONF_DNSMASQ_RESTART] == "/etc/init.d/dnsmasq restart"


OPTION_KEYS = {
    CONF_KINDS,
    CONF_INCLUDE,
    CONF_EXCLUDE,
    CONF_STALE_DAYS,
    CONF_SUBSCRIPTIONS,
    CONF_ALLOW_OVERRIDES,
}


async def test_options_flow(hass: HomeAssistant, mock_entry: MockConfigEntry) -> None:
    result = await hass.config_entries.options.async_init(mock_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    base = {CONF_KINDS: ["tv"], CONF_STALE_DAYS: 7}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], base | {CONF_SUBSCRIPTIONS: ["ftp://lists.example/x.txt"]}
    )
    assert result["errors"] == {CONF_SUBSCRIPTIONS: "invalid_url"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], base | {CONF_INCLUDE: ["not a mac"], CONF_SUBSCRIPTIONS: []}
    )
    assert result["errors"] == {CONF_INCLUDE: "invalid_mac"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        base
        | {
            CONF_INCLUDE: ["AA-BB-CC-DD-EE-FF"],
            CONF_EXCLUDE: ["00:0e:58:aa:bb:cc"],
            CONF_SUBSCRIPTIONS: [" https://lists.example/tv.txt ", "https://lists.example/tv.txt"],
            CONF_ALLOW_OVERRIDES: [FUNCTIONAL_ALLOW[0].id],
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert {k: v for k, v in mock_entry.options.items() if k in OPTION_KEYS} == {
        CONF_KINDS: ["tv"],
        CONF_INCLUDE: ["aa:bb:cc:dd:ee:ff"],
        CONF_EXCLUDE: ["00:0e:58:aa:bb:cc"],
        CONF_STALE_DAYS: 7,
        CONF_SUBSCRIPTIONS: ["https://lists.example/tv.txt"],
        CONF_ALLOW_OVERRIDES: [FUNCTIONAL_ALLOW[0].id],
    }


async def test_dhcp_discovery_offers_a_prefilled_form(
    hass: HomeAssistant, patch_backend: FakeRouter, fetch_key: AsyncMock
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip="198.18.5.1", hostname="openwrt", macaddress="02aabbccddee"),
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ssh"
    fetch_key.assert_awaited_once_with("198.18.5.1", 22)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    assert result["step_id"] == "router"


async def test_discovery_updates_the_address_of_a_known_router(
    hass: HomeAssistant, mock_entry: MockConfigEntry, fetch_key: AsyncMock
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=ZeroconfServiceInfo(
            ip_address=ip_address("198.18.5.77"),
            ip_addresses=[ip_address("198.18.5.77")],
            hostname="OpenWrt.local.",
            name="OpenWrt._ssh._tcp.local.",
            port=2222,
            properties={},
            type="_ssh._tcp.local.",
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert mock_entry.data[CONF_HOST] == "198.18.5.77"
    assert mock_entry.data[CONF_PORT] == 2222


async def test_discovered_router_that_does_not_answer(
    hass: HomeAssistant, fetch_key: AsyncMock
) -> None:
    fetch_key.side_effect = BackendConnectionError("closed")
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip="198.18.5.1", hostname="openwrt", macaddress="02aabbccddee"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_router_unreachable_while_checking_paths(
    hass: HomeAssistant, patch_backend: FakeRouter, fetch_key: AsyncMock
) -> None:
    result = await _ssh_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], USER_INPUT)
    patch_backend.fail_with = BackendConnectionError("gone")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ROUTER_INPUT)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "router"
    assert result["errors"] == {"base": "cannot_connect"}
    patch_backend.fail_with = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ROUTER_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reauth_while_the_router_does_not_answer(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    fetch_key: AsyncMock,
) -> None:
    fetch_key.side_effect = BackendConnectionError("no route")
    result = await mock_entry.start_reauth_flow(hass)
    # No key to compare: the ordinary form, without fingerprints.
    assert result["step_id"] == "reauth_confirm"
    assert "new_fingerprint" not in result["description_placeholders"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "right"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    fetch_key.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "right"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"


@pytest.mark.parametrize("field", [CONF_EXCLUDE, CONF_ALLOWED_SCANNERS])
async def test_options_flow_rejects_a_bad_mac_in_each_list(
    hass: HomeAssistant, mock_entry: MockConfigEntry, field: str
) -> None:
    result = await hass.config_entries.options.async_init(mock_entry.entry_id)
    base = {CONF_KINDS: ["tv"], CONF_STALE_DAYS: 7}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], base | {field: ["00:11:22:33:44:55", "not a mac"]}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: "invalid_mac"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], base | {field: ["00-11-22-33-44-55", " "]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_entry.options[field] == ["00:11:22:33:44:55"]
