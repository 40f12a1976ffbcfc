"""Serve the Snoop Guard dashboard card and dashboard strategy to the frontend.

The card ships inside the integration (``frontend/``), so installing Snoop Guard
through HACS is all it takes: no separate plugin, nothing fetched from a CDN.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.components import frontend
from homeassistant.components.http.server import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, LOGGER

FRONTEND_DIR = Path(__file__).parent / "frontend"
URL_BASE = f"/{DOMAIN}/frontend"
ENTRY_MODULE = "snoop-guard-card.js"
# The module URL (with its version) once registered: once per Home Assistant run.
DATA_CARD_URL: HassKey[str] = HassKey(f"{DOMAIN}_card_url")


def frontend_digest(folder: Path = FRONTEND_DIR) -> str:
    """Hash every file the card is made of, shortened (blocking: run in an executor)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.js")):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


async def async_register_card(hass: HomeAssistant) -> str:
    """Serve the card's folder and make every frontend page load its module.

    The version query string (manifest version and a hash of the files) changes with
    every release or edit, so browsers and the service worker never keep a stale card.
    """
    if (url := hass.data.get(DATA_CARD_URL)) is not None:
        return url
    integration = await async_get_integration(hass, DOMAIN)
    digest = await hass.async_add_executor_job(frontend_digest, FRONTEND_DIR)
    if (url := hass.data.get(DATA_CARD_URL)) is not None:
        return url
    url = f"{URL_BASE}/{ENTRY_MODULE}?v={integration.version}-{digest}"
    hass.data[DATA_CARD_URL] = url
    # The sibling modules are imported without the version: no long-lived cache
    # headers, so the browser revalidates them (the entry URL changes anyway).
    await hass.http.async_register_static_paths(
        [StaticPathConfig(URL_BASE, str(FRONTEND_DIR), cache_headers=False)]
    )
    if "frontend" in hass.config.components:
        frontend.add_extra_js_url(hass, url)
    else:
        LOGGER.debug("The frontend is not loaded; the Snoop Guard card is served but not added")
    return url
