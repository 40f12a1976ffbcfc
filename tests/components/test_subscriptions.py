"""List subscriptions against a real HTTP server on loopback."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from custom_components.snoop_guard import subscriptions
from custom_components.snoop_guard.const import DOMAIN
from custom_components.snoop_guard.engine.compiled import CACHE_FILE
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


@pytest.fixture
def hass_config_dir(tmp_path: Path) -> str:
    """A configuration directory of this test's own: the files below are asserted on."""
    return str(tmp_path)


def _digest_name(entry_id: str, url: str) -> str:
    return hashlib.sha256(f"{entry_id}\n{url}".encode()).hexdigest()[:24] + ".txt"


def _copy_path(hass: HomeAssistant, url: str) -> Path:
    return Path(hass.config.cache_path(DOMAIN, "entry1", "lists", _digest_name("entry1", url)))


async def test_copies_are_kept_in_the_cache_not_in_backups(
    hass: HomeAssistant, server: ListServer
) -> None:
    manager = await _manager(hass, server.url)
    assert await manager.async_refresh()
    copy = _copy_path(hass, server.url)
    assert await hass.async_add_executor_job(copy.read_text) == LIST_V1
    assert not await hass.async_add_executor_job(Path(hass.config.path(".storage", DOMAIN)).exists)

    await manager.async_remove()
    assert not await hass.async_add_executor_job(copy.parent.exists)


async def test_copies_from_older_versions_move_out_of_storage(
    hass: HomeAssistant, server: ListServer, hass_storage: dict[str, Any]
) -> None:
    legacy = Path(hass.config.path(".storage", DOMAIN))
    ours = legacy / "lists" / _digest_name("entry1", server.url)
    theirs = legacy / "lists" / _digest_name("entry2", server.url)
    matcher = legacy / "entry1" / CACHE_FILE

    def _write_legacy() -> None:
        ours.parent.mkdir(parents=True)
        ours.write_text(LIST_V1, encoding="utf-8")
        theirs.write_text(LIST_V2, encoding="utf-8")
        matcher.parent.mkdir()
        matcher.write_bytes(b"compiled")

    await hass.async_add_executor_job(_write_legacy)
    hass_storage[f"{DOMAIN}.entry1.lists"] = {
        "version": 1,
        "key": f"{DOMAIN}.entry1.lists",
        "data": {
            "lists": {
                server.url: {
                    "url": server.url,
                    "etag": '"v1"',
                    "sha256": hashlib.sha256(LIST_V1.encode()).hexdigest(),
                    "checked": dt_util.utcnow().isoformat(),
                }
            }
        },
    }
    manager = await _manager(hass, server.url)
    # The copy moved with its state: still used offline, still fetched conditionally.
    assert await manager.async_texts() == {server.url: LIST_V1}
    assert manager.status[server.url].etag == '"v1"'
    cache = Path(hass.config.cache_path(DOMAIN, "entry1"))

    def _layout() -> tuple[bool, bool, bool, bool]:
        return (
            (cache / CACHE_FILE).read_bytes() == b"compiled",
            ours.exists(),
            (legacy / "entry1").exists(),
            theirs.exists(),
        )

    # The other entry's copy waits for that entry to start.
    assert await hass.async_add_executor_job(_layout) == (True, False, False, True)
    assert not await manager.async_refresh(force=True)
    assert server.requests[-1]["If-None-Match"] == '"v1"'


async def test_a_lost_copy_is_fetched_again(
    hass: HomeAssistant, server: ListServer, hass_storage: dict[str, Any]
) -> None:
    """The cache was cleared, or a backup restored without it: the state says 'have it'."""
    manager = await _manager(hass, server.url)
    assert await manager.async_refresh()
    copy = _copy_path(hass, server.url)
    await hass.async_add_executor_job(copy.unlink)

    again = await _manager(hass, server.url)
    assert await again.async_texts() == {}
    # Due at once, and asked for without a validator (a 304 would leave it lost).
    assert await again.async_refresh()
    assert "If-None-Match" not in server.requests[-1]
    assert await again.async_texts() == {server.url: LIST_V1}


@pytest.mark.parametrize(
    "error",
    [
        ValueError("invalid header"),
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
        OSError(113, "No route to host"),
        TimeoutError(),
    ],
)
async def test_errors_outside_aiohttp_keep_the_saved_copy(
    hass: HomeAssistant, server: ListServer, error: Exception
) -> None:
    manager = await _manager(hass, server.url)
    assert await manager.async_refresh()

    class _Broken:
        def get(self, *args: object, **kwargs: object) -> object:
            raise error

    with patch.object(subscriptions, "async_get_clientsession", return_value=_Broken()):
        assert not await manager.async_refresh(force=True)
    status = manager.status[server.url]
    assert status.last_error is not None
    assert status.sha256 is not None
    assert await manager.async_texts() == {server.url: LIST_V1}
