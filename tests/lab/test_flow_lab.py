"""Config flow and host-key pinning against the lab router's real sshd (no mocks)."""

from __future__ import annotations

import asyncssh
import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.backends.linux_ssh import host_key_fingerprint
from custom_components.snoop_guard.const import (
    CONF_DNSMASQ_CONF_DIR,
    CONF_DNSMASQ_RESTART,
    CONF_HOST_KEY,
    CONF_LEASES_PATH,
    CONF_LOG_PATH,
    CONF_LOG_SOURCE,
    CONF_PRIVATE_KEY,
    DOMAIN,
)
from lab.netlab import Lab

from .conftest import entry_data_for

pytestmark = pytest.mark.lab


def _user_input(lab: Lab, **overrides: object) -> dict[str, object]:
    info = lab.info
    return {
        CONF_HOST: info.router_ip,
        CONF_PORT: info.ssh_port,
        CONF_USERNAME: info.ssh_user,
        CONF_PRIVATE_KEY: info.ssh_key_text,
    } | overrides


async def test_user_flow_against_the_lab_router(
    hass: HomeAssistant, lab: Lab, lab_sockets: None
) -> None:
    info = lab.info
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ssh"}
    )

    other_key = asyncssh.generate_private_key("ssh-ed25519").export_private_key().decode()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(lab, private_key=other_key)
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(lab, port=2)
    )
    assert result["errors"] == {CONF_HOST: "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], _user_input(lab))
    assert result["step_id"] == "router"
    # The key pinned is the lab sshd's real host key.
    assert result["description_placeholders"]["fingerprint"] == host_key_fingerprint(
        info.ssh_host_key
    )

    paths = {
        CONF_LOG_SOURCE: "file",
        CONF_LOG_PATH: info.dnsmasq_log + ".missing",
        CONF_LEASES_PATH: info.dhcp_leases,
        CONF_DNSMASQ_CONF_DIR: info.dnsmasq_conf_dir,
        CONF_DNSMASQ_RESTART: info.dnsmasq_restart,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], paths)
    assert result["errors"] == {CONF_LOG_PATH: "log_not_found"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], paths | {CONF_LOG_PATH: info.dnsmasq_log}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST_KEY] == info.ssh_host_key
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()


async def test_a_different_host_key_is_refused(
    hass: HomeAssistant, lab: Lab, lab_sockets: None
) -> None:
    impostor = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    entry = MockConfigEntry(
        domain=DOMAIN,
        data=entry_data_for(lab.info) | {CONF_HOST_KEY: impostor},
        unique_id=host_key_fingerprint(impostor),
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    # The re-authentication form shows both keys and asks before trusting the real one.
    assert flows[0]["step_id"] == "reauth_host_key"
    # Nothing was installed on the router by a setup that did not trust it.
    listing = lab.run_in("router", ["nft", "list", "table", "inet", "snoop_guard"])
    assert listing.returncode != 0
