"""List subscriptions against a real HTTP server on loopback."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.snoop_guard import subscriptions
from custom_components.snoop_guard.const import DOMAIN
from custom_components.snoop_guard.subscriptions import SubscriptionManager

from .conftest import LIST_V1, LIST_V2, ListServer


def _validate(text: str) -> str | None:
    return None if "example" in text else "no domains in it"


async def _manager(hass: HomeAssistant, url: str) -> SubscriptionManager:
    manager = SubscriptionManager(hass, "entry1", [url], _validate)
    await manager.async_load()
    return manager


async def test_fetch_then_not_modified_then_changed(
    hass: HomeAssistant, server: ListServer, freezer: FrozenDateTimeFactory
) -> None:
    manager = await _manager(hass, server.url)
    assert await manager.async_refresh()
    assert await manager.async_texts() == {server.url: LIST_V1}

    # Not due yet: no request at all.
    assert not await manager.async_refresh()
    assert len(server.requests) == 1

    freezer.tick(timedelta(days=1))
    assert not await manager.async_refresh()
    assert server.requests[-1]["If-None-Match"] == '"v1"'

    server.body, server.etag = LIST_V2, '"v2"'
    assert await manager.async_refresh(force=True)
    assert await manager.async_texts() == {server.url: LIST_V2}

    # A new manager (after a restart) knows the ETag and the saved copy.
    again = await _manager(hass, server.url)
    assert await again.async_texts() == {server.url: LIST_V2}
    assert not await again.async_refresh(force=True)
    assert server.requests[-1]["If-None-Match"] == '"v2"'


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ({"status": 500}, "HTTP 500"),
        ({"body": "<html>nothing here</html>"}, "no domains in it"),
        ({"body": "x.example.com\n" * 100}, "larger than"),
        ({"delay": 2.0}, "no answer within"),
    ],
)
async def test_failures_keep_the_last_good_copy(
    hass: HomeAssistant, server: ListServer, setup: dict[str, object], error: str
) -> None:
    manager = await _manager(hass, server.url)
    assert await manager.async_refresh()
    for key, value in setup.items():
        setattr(server, key, value)
    server.etag = '"v9"'
    with (
        patch.object(subscriptions, "MAX_LIST_BYTES", 1000),
        patch.object(subscriptions, "FETCH_TIMEOUT", 0.5),
    ):
        assert not await manager.async_refresh(force=True)
    status = manager.status[server.url]
    assert status.last_error is not None
    assert error in status.last_error
    assert await manager.async_texts() == {server.url: LIST_V1}
    assert not ir.async_get(hass).issues


async def test_persistent_failure_raises_a_repair_issue_that_clears(
    hass: HomeAssistant, server: ListServer, freezer: FrozenDateTimeFactory
) -> None:
    manager = await _manager(hass, server.url)
    server.status = 503
    await manager.async_refresh()
    freezer.tick(timedelta(days=2))
    await manager.async_refresh(force=True)
    assert not ir.async_get(hass).issues
    freezer.tick(timedelta(days=1, minutes=1))
    await manager.async_refresh(force=True)
    issues = [i for (domain, _), i in ir.async_get(hass).issues.items() if domain == DOMAIN]
    assert len(issues) == 1
    assert issues[0].translation_key == "list_failing"
    assert issues[0].translation_placeholders["offline"] == "no"

    server.status = 200
    assert await manager.async_refresh(force=True)
    assert not ir.async_get(hass).issues
