"""Diagnostics: useful for support, nothing identifying."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard.diagnostics import async_get_config_entry_diagnostics
from tests.fakes import FakeRouter

from .conftest import SPEAKER_MAC, TV_IP, TV_MAC


async def test_diagnostics_are_redacted(
    hass: HomeAssistant, setup_entry: MockConfigEntry, patch_backend: FakeRouter, log_line
) -> None:
    patch_backend.log(log_line(TV_IP, "gz-data.com"))
    await hass.async_block_till_done()
    await setup_entry.runtime_data.async_set_block(TV_MAC, trackers=True)

    diag = await async_get_config_entry_diagnostics(hass, setup_entry)
    text = json.dumps(diag)
    for secret in (TV_MAC, SPEAKER_MAC, TV_IP, "Skyworth-TV", "198.18.5.1", "PRIVATE KEY"):
        assert secret not in text
    assert diag["entry"]["data"]["private_key"] == "**REDACTED**"
    assert diag["router"]["enforced"]["in_sync"] is True
    tv = next(d for d in diag["devices"].values() if d["kind"] == "tv")
    assert tv["contacts_24h"] == 1
    assert tv["companies"] == {"Gozen Data": 1}
    assert tv["block_trackers"] is True
    assert diag["router"]["log_lines"]["parsed"] >= 1
