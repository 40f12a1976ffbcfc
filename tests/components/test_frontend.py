"""The dashboard card is served by the integration, with a versioned URL, once per run."""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import patch

import pytest
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.components.http import HomeAssistantHTTP
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.snoop_guard.backends.linux_ssh import host_key_fingerprint
from custom_components.snoop_guard.card import FRONTEND_DIR, frontend_digest
from custom_components.snoop_guard.const import CONF_HOST_KEY, DOMAIN
from tests.fakes import FakeRouter


def _card_urls(hass: HomeAssistant) -> list[str]:
    return [u for u in hass.data[DATA_EXTRA_MODULE_URL].urls if u.startswith(f"/{DOMAIN}/")]


@pytest.fixture
async def frontend(hass: HomeAssistant) -> None:
    """Home Assistant's frontend, as every real installation has it (default_config)."""
    assert await async_setup_component(hass, "frontend", {})


async def test_card_module_is_served_with_a_versioned_url(
    hass: HomeAssistant,
    frontend: None,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    [url] = _card_urls(hass)
    digest = await hass.async_add_executor_job(frontend_digest, FRONTEND_DIR)
    manifest = json.loads((FRONTEND_DIR.parent / "manifest.json").read_text(encoding="utf-8"))
    assert url == f"/{DOMAIN}/frontend/snoop-guard-card.js?v={manifest['version']}-{digest}"

    client = await hass_client_no_auth()
    response = await client.get(url)
    assert response.status == 200
    assert "javascript" in response.headers["Content-Type"]
    entry_module = (FRONTEND_DIR / "snoop-guard-card.js").read_text(encoding="utf-8")
    assert await response.text() == entry_module
    # The modules it imports are served from the same folder.
    for sibling in ("card.js", "editor.js", "strategy.js", "model.js", "dom.js", "styles.js"):
        assert (await client.get(f"/{DOMAIN}/frontend/{sibling}")).status == 200
    # Nothing outside the folder.
    assert (await client.get(f"/{DOMAIN}/frontend/../manifest.json")).status == 404
    assert (await client.get(f"/{DOMAIN}/frontend/%2e%2e/manifest.json")).status in (403, 404)


async def test_digest_follows_the_files(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("one", encoding="utf-8")
    first = frontend_digest(tmp_path)
    assert frontend_digest(tmp_path) == first
    (tmp_path / "a.js").write_text("two", encoding="utf-8")
    assert frontend_digest(tmp_path) != first


async def test_registered_once_across_entries_and_reloads(
    hass: HomeAssistant,
    frontend: None,
    entry_data: dict[str, object],
    host_keys: tuple[str, str],
    patch_backend: FakeRouter,
) -> None:
    entries = []
    for host_key in host_keys:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"router {len(entries)}",
            data={**entry_data, CONF_HOST_KEY: host_key},
            unique_id=host_key_fingerprint(host_key),
        )
        entry.add_to_hass(hass)
        entries.append(entry)

    real_register = HomeAssistantHTTP.async_register_static_paths
    with patch.object(
        HomeAssistantHTTP,
        "async_register_static_paths",
        autospec=True,
        side_effect=real_register,
    ) as register:
        # Setting up the integration sets up both entries.
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()
        assert all(entry.state is ConfigEntryState.LOADED for entry in entries)
        for entry in entries:
            assert await hass.config_entries.async_reload(entry.entry_id)
            await hass.async_block_till_done()

    ours = [
        call
        for call in register.call_args_list
        if any(c.url_path.startswith(f"/{DOMAIN}/") for c in call.args[1])
    ]
    assert len(ours) == 1
    assert len(_card_urls(hass)) == 1


async def test_card_is_served_without_the_frontend(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    # A minimal installation without the frontend: the module is still served.
    assert "frontend" not in hass.config.components
    client = await hass_client_no_auth()
    assert (await client.get(f"/{DOMAIN}/frontend/snoop-guard-card.js")).status == 200
